/**
 * A user's life cycle: create (POST /api/v2/users), delete (DELETE /api/v2/users/{userId}) and invite
 * (POST /api/v2/users/{userId}/invite). Shapes from the SDK's typings (`CreateUser`); what the platform answers to
 * a bad body or a taken email is unconfirmed, and assumed here as docs/emulator.md says.
 */
import type { Contact } from '../../genesys/types.js';
import { platformError } from '../errors.js';
import type { Reply, Route, RouteContext } from '../router.js';
import type { StoredUser } from '../store.js';
import { validatePatch } from '../validation.js';

/** The `CreateUser` fields; any other is refused, as the platform refuses unknown fields of a body. */
export const CREATE_USER_FIELDS = [
  'name',
  'department',
  'email',
  'addresses',
  'title',
  'password',
  'divisionId',
  'state',
] as const;

const badRequest = (message: string): Reply => ({ status: 400, body: platformError(400, 'bad.request', message) });

const notFound = (id: string): Reply => ({
  status: 404,
  body: platformError(404, 'not.found', `Unable to find a user with id ${id}`),
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The platform fills in `display` when a contact is saved without one. */
const withDisplay = (c: Contact): Contact =>
  c.display !== undefined ? { ...c } : { ...c, display: c.address ?? c.extension ?? '' };

function postUser(ctx: RouteContext): Reply {
  const { core, body } = ctx;
  if (!isObject(body)) return badRequest('The request body must be a JSON object.');
  for (const key of Object.keys(body))
    if (!(CREATE_USER_FIELDS as readonly string[]).includes(key)) return badRequest(`Unrecognized field '${key}'`);
  for (const required of ['name', 'email', 'divisionId'] as const) {
    const value = body[required];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
      return badRequest(`Missing required field '${required}'`);
    if (typeof value !== 'string') return badRequest(`Invalid value for field '${required}': expected a string`);
  }
  if (body.password !== undefined && typeof body.password !== 'string')
    return badRequest("Invalid value for field 'password': expected a string");
  let state: 'active' | 'inactive' = 'active';
  if (body.state !== undefined) {
    if (body.state !== 'active' && body.state !== 'inactive')
      return badRequest(
        `Invalid value for field 'state': must be active or inactive, got ${JSON.stringify(body.state)}`,
      );
    state = body.state;
  }
  const division = core.routing.divisionsById.get(body.divisionId as string);
  if (!division) return badRequest(`Invalid value for field 'divisionId': no division with id ${body.divisionId}`);
  // The same checks as a PATCH of these fields: formats of the email, the text and the contacts.
  const fields: Record<string, unknown> = { version: 1 };
  for (const key of ['name', 'email', 'department', 'title', 'addresses'] as const)
    if (body[key] !== undefined) fields[key] = body[key];
  const checked = validatePatch(fields, {
    userId: '',
    userExists: () => false,
    textMaxLength: core.config.textMaxLength,
  });
  if (!checked.ok) return badRequest(checked.message);
  const valid = checked.patch;
  const email = valid.email as string;
  if (core.store.ownerOf('email', email) !== undefined || core.store.ownerOf('username', email) !== undefined) {
    const status = core.config.duplicateEmailStatus;
    const message = `The email ${email} is already in use by another user.`;
    return { status, body: platformError(status, status === 409 ? 'general.conflict' : 'bad.request', message) };
  }
  const id = core.idPrng.uuid();
  const user: StoredUser = {
    id,
    name: valid.name as string,
    division: { id: division.id, name: division.name, selfUri: `/api/v2/authorization/divisions/${division.id}` },
    chat: { jabberId: `${id.replace(/-/g, '').slice(0, 24)}@emulator.orgspan.com` },
    email,
    primaryContactInfo: [{ address: email, mediaType: 'EMAIL', type: 'PRIMARY' }],
    addresses: (valid.addresses ?? []).map(withDisplay),
    state,
    username: email,
    version: 1,
    acdAutoAnswer: false,
    selfUri: `/api/v2/users/${id}`,
  };
  if (valid.department !== undefined && valid.department !== '') user.department = valid.department;
  if (valid.title !== undefined && valid.title !== '') user.title = valid.title;
  core.store.add(user);
  core.createdAt.set(id, core.now());
  if (core.config.inviteOnCreate) core.invitationEmails.set(id, 1);
  return { status: 200, body: user, wrote: true, created: true };
}

function deleteUser(ctx: RouteContext): Reply {
  const id = ctx.params.userId as string;
  const user = ctx.core.store.get(id);
  if (!user || user.state === 'deleted') return notFound(id);
  ctx.core.store.markDeleted(id);
  // The SDK's typing is `Promise<object>`: an empty object.
  return { status: 200, body: {}, wrote: true };
}

function inviteUser(ctx: RouteContext): Reply {
  const id = ctx.params.userId as string;
  const force = ctx.query.get('force');
  if (force !== null && force !== 'true' && force !== 'false')
    return badRequest(`Invalid value for query parameter 'force': must be true or false, got "${force}"`);
  const user = ctx.core.store.get(id);
  if (!user || user.state === 'deleted') return notFound(id);
  ctx.core.invites.set(id, (ctx.core.invites.get(id) ?? 0) + 1);
  const sent = ctx.core.invitationEmails.get(id);
  if (sent === undefined || force === 'true') ctx.core.invitationEmails.set(id, (sent ?? 0) + 1);
  return { status: 204 };
}

export const lifecycleRoutes: Route[] = [
  { method: 'POST', path: '/api/v2/users', kind: 'api', body: 'json', handle: postUser },
  { method: 'DELETE', path: '/api/v2/users/{userId}', kind: 'api', body: 'none', handle: deleteUser },
  { method: 'POST', path: '/api/v2/users/{userId}/invite', kind: 'api', body: 'none', handle: inviteUser },
];
