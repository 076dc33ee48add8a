/**
 * The SDK adapter's routing and authorization calls (RoutingApi, AuthorizationApi, and the routing endpoints of
 * UsersApi). Built by client.ts with its call helpers, so that every outcome is classified and scrubbed the same way.
 */
import type PlatformClient from 'purecloud-platform-client-v2';
import { acceptEntities, acceptSubject } from './answers.js';
import type { GenesysClient, NamedListOptions, PageOptions } from './api.js';
import type { AdapterHelpers } from './groups-client.js';
import type {
  EntityListing,
  NamedEntity,
  QueueMemberListing,
  UserRoutingLanguage,
  UserRoutingSkill,
} from './routing-types.js';

type Sdk = typeof PlatformClient;

/** The SDK's API objects these calls go through. */
export interface SdkRoutingApis {
  routing: InstanceType<Sdk['RoutingApi']>;
  authorization: InstanceType<Sdk['AuthorizationApi']>;
  users: InstanceType<Sdk['UsersApi']>;
}

export type RoutingCalls = Pick<
  GenesysClient,
  | 'listRoutingSkills'
  | 'listRoutingLanguages'
  | 'listQueues'
  | 'listRoles'
  | 'listDivisions'
  | 'getUserRoutingSkills'
  | 'getUserRoutingLanguages'
  | 'getQueueMembers'
  | 'getSubject'
  | 'patchUserRoutingSkills'
  | 'deleteUserRoutingSkill'
  | 'patchUserRoutingLanguages'
  | 'deleteUserRoutingLanguage'
  | 'postQueueMembers'
  | 'grantsBulk'
  | 'moveUsersToDivision'
>;

const page = (options: PageOptions) => ({ pageNumber: options.pageNumber, pageSize: options.pageSize });
const named = (options: NamedListOptions) => ({
  ...page(options),
  ...(options.name !== undefined && { name: options.name }),
});
const path = (...segments: string[]): string => segments.map(encodeURIComponent).join('/');

export function routingCalls(
  { context, call, callVoid }: AdapterHelpers,
  { routing, authorization, users }: SdkRoutingApis,
): RoutingCalls {
  return {
    listRoutingSkills(options) {
      return call(
        context('GET /api/v2/routing/skills'),
        options,
        () => routing.getRoutingSkills(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    listRoutingLanguages(options) {
      return call(
        context('GET /api/v2/routing/languages'),
        options,
        () => routing.getRoutingLanguages(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    listQueues(options) {
      return call(
        context('GET /api/v2/routing/queues', 'routing:queue:view'),
        options,
        () => routing.getRoutingQueues(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    listRoles(options) {
      return call(
        context('GET /api/v2/authorization/roles', 'authorization:role:view'),
        options,
        () => authorization.getAuthorizationRoles(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    listDivisions(options) {
      return call(
        context('GET /api/v2/authorization/divisions', 'authorization:division:view'),
        options,
        () => authorization.getAuthorizationDivisions(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    getUserRoutingSkills(userId, options) {
      return call(
        context(`GET /api/v2/users/${path(userId)}/routingskills`),
        options,
        () => users.getUserRoutingskills(userId, page(options)),
        acceptEntities<EntityListing<UserRoutingSkill>>,
      );
    },

    getUserRoutingLanguages(userId, options) {
      return call(
        context(`GET /api/v2/users/${path(userId)}/routinglanguages`),
        options,
        () => users.getUserRoutinglanguages(userId, page(options)),
        acceptEntities<EntityListing<UserRoutingLanguage>>,
      );
    },

    getQueueMembers(queueId, options) {
      return call(
        context(`GET /api/v2/routing/queues/${path(queueId)}/members`, 'routing:queue:view'),
        options,
        () => routing.getRoutingQueueMembers(queueId, page(options)),
        acceptEntities<QueueMemberListing>,
      );
    },

    getSubject(subjectId, options) {
      return call(
        context(`GET /api/v2/authorization/subjects/${path(subjectId)}`, 'authorization:grant:view'),
        options,
        () => authorization.getAuthorizationSubject(subjectId),
        acceptSubject,
      );
    },

    patchUserRoutingSkills(userId, skills, options) {
      return call(
        context(`PATCH /api/v2/users/${path(userId)}/routingskills/bulk`, 'routing:skill:assign'),
        options,
        () => users.patchUserRoutingskillsBulk(userId, skills),
        acceptEntities<EntityListing<UserRoutingSkill>>,
      );
    },

    deleteUserRoutingSkill(userId, skillId, options) {
      return callVoid(
        context(`DELETE /api/v2/users/${path(userId)}/routingskills/${path(skillId)}`, 'routing:skill:assign'),
        options,
        () => users.deleteUserRoutingskill(userId, skillId),
      );
    },

    patchUserRoutingLanguages(userId, languages, options) {
      return call(
        context(
          `PATCH /api/v2/users/${path(userId)}/routinglanguages/bulk`,
          'routing:skill:assign or routing:language:assign',
        ),
        options,
        () => users.patchUserRoutinglanguagesBulk(userId, languages),
        acceptEntities<EntityListing<UserRoutingLanguage>>,
      );
    },

    deleteUserRoutingLanguage(userId, languageId, options) {
      return callVoid(
        context(
          `DELETE /api/v2/users/${path(userId)}/routinglanguages/${path(languageId)}`,
          'routing:skill:assign or routing:language:assign',
        ),
        options,
        () => users.deleteUserRoutinglanguage(userId, languageId),
      );
    },

    postQueueMembers(queueId, userIds, options) {
      return callVoid(
        context(
          `POST /api/v2/routing/queues/${path(queueId)}/members${options.remove ? '?delete=true' : ''}`,
          'routing:queue:edit or routing:queueMember:manage',
        ),
        options,
        () =>
          routing.postRoutingQueueMembers(
            queueId,
            userIds.map((id) => ({ id })),
            { _delete: options.remove },
          ),
      );
    },

    grantsBulk(subjectId, operation, grants, options) {
      const body = { grants: grants.map(({ roleId, divisionId }) => ({ roleId, divisionId })) };
      const endpoint = `POST /api/v2/authorization/subjects/${path(subjectId)}/bulk${operation}`;
      const permission = {
        add: 'authorization:grant:add',
        remove: 'authorization:grant:delete',
      }[operation];
      const invoke = {
        add: () => authorization.postAuthorizationSubjectBulkadd(subjectId, body),
        remove: () => authorization.postAuthorizationSubjectBulkremove(subjectId, body),
      }[operation];
      // The platform also refuses to give (or take away) a role above the client's own, whatever its permissions.
      const above =
        'a role in the request may be one the OAuth client may not give or take away (with permissions its own ' +
        'roles lack, or in a division it cannot act in): give or take that role in the admin UI instead';
      return callVoid(context(endpoint, permission, above), options, invoke);
    },

    moveUsersToDivision(divisionId, userIds, options) {
      return callVoid(
        // Moving a user needs Directory > User > Edit in both divisions (Genesys's help centre).
        context(`POST /api/v2/authorization/divisions/${path(divisionId)}/objects/USER`, 'directory:user:edit'),
        options,
        () => authorization.postAuthorizationDivisionObject(divisionId, 'USER', userIds),
      );
    },
  };
}
