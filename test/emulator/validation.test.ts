import { describe, expect, it } from 'vitest';
import { isIsoDate, validatePatch } from '../../src/emulator/validation.js';

const SELF = 'u-self';
const OTHER = 'u-other';
const ctx = { userId: SELF, userExists: (id: string) => id === SELF || id === OTHER };

const invalid = (body: unknown): string => {
  const result = validatePatch(body, ctx);
  if (result.ok) throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
  return result.message;
};

describe('validatePatch', () => {
  it('accepts a full valid UpdateUser body', () => {
    const body = {
      version: 3,
      name: 'Jane Doe',
      department: 'Sales',
      title: '',
      preferredName: 'JD',
      email: 'jane.doe@example.com',
      username: 'jane.doe@example.com',
      manager: OTHER,
      acdAutoAnswer: true,
      chat: { jabberId: 'x@y.z' },
      addresses: [
        { address: '+13175550123', mediaType: 'PHONE', type: 'WORK', countryCode: 'US' },
        { extension: '4123', mediaType: 'PHONE', type: 'WORK2', display: '4123' },
        { address: '+13175550124', mediaType: 'SMS', type: 'MOBILE' },
      ],
      primaryContactInfo: [{ address: 'jane.doe@example.com', mediaType: 'EMAIL', type: 'PRIMARY' }],
      employerInfo: {
        officialName: 'Jane Q. Doe',
        employeeId: 'E1',
        employeeType: 'Full-time',
        dateHire: '2020-02-29',
      },
      profileSkills: ['a'],
      certifications: [],
      groups: [{ id: 'g1' }],
      locations: [{ id: 'l1' }],
      images: [],
      biography: { biography: 'hi' },
      id: SELF,
      selfUri: `/api/v2/users/${SELF}`,
    };
    const result = validatePatch(body, ctx);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.patch).toMatchObject({ version: 3, name: 'Jane Doe', manager: OTHER, title: '' });
      expect(result.patch).not.toHaveProperty('id');
    }
  });

  it('accepts an empty manager (clears it) and state alone', () => {
    expect(validatePatch({ version: 1, manager: '' }, ctx)).toEqual({ ok: true, patch: { version: 1, manager: '' } });
    expect(validatePatch({ version: 1, state: 'inactive' }, ctx)).toEqual({
      ok: true,
      patch: { version: 1, state: 'inactive' },
    });
  });

  it.each([
    [{ title: 'x' }, "Missing required field 'version'"],
    [{ version: '2' }, "'version': expected a positive integer"],
    [{ version: 0 }, "'version': expected a positive integer"],
    [{ version: 1.5 }, "'version': expected a positive integer"],
    [{ version: 1, nickname: 'x' }, "Unrecognized field 'nickname'"],
    [{ version: 1, title: 5 }, "'title': expected a string, got number"],
    [{ version: 1, title: null }, "'title': expected a string, got null"],
    [{ version: 1, name: '  ' }, "'name': must not be empty"],
    [{ version: 1, email: 'not-an-email' }, "'email': not an e-mail address"],
    [{ version: 1, email: 'a@b' }, "'email': not an e-mail address"],
    [{ version: 1, username: 'a b' }, "'username': must not contain whitespace"],
    [{ version: 1, acdAutoAnswer: 'yes' }, "'acdAutoAnswer': expected a boolean"],
    [{ version: 1, addresses: {} }, "'addresses': expected an array of contacts"],
    [
      { version: 1, addresses: [{ address: '+13175550123', extension: '12', mediaType: 'PHONE', type: 'WORK' }] },
      "'addresses[0]': a contact has either an address or an extension, not both",
    ],
    [{ version: 1, addresses: [{ mediaType: 'PHONE', type: 'WORK' }] }, "'addresses[0]': a contact needs an address"],
    [
      { version: 1, addresses: [{ address: '+13175550123', mediaType: 'FAX', type: 'WORK' }] },
      "'addresses[0].mediaType'",
    ],
    [{ version: 1, addresses: [{ address: '+13175550123', mediaType: 'PHONE', type: 'DESK' }] }, "'addresses[0].type'"],
    [{ version: 1, addresses: [{ address: '317-555-0123', mediaType: 'PHONE', type: 'WORK' }] }, 'not an E.164'],
    [{ version: 1, addresses: [{ extension: '12a', mediaType: 'PHONE', type: 'WORK' }] }, 'must be digits only'],
    [{ version: 1, addresses: [{ address: 'x@y.z', mediaType: 'EMAIL', type: 'WORK', foo: 1 }] }, "'addresses[0].foo'"],
    [
      { version: 1, addresses: [{ address: '+13175550123', mediaType: 'PHONE', type: 'WORK', countryCode: 'usa' }] },
      "'addresses[0].countryCode'",
    ],
    [
      {
        version: 1,
        addresses: [
          { address: '+13175550123', mediaType: 'PHONE', type: 'WORK' },
          { extension: '4000', mediaType: 'PHONE', type: 'WORK' },
        ],
      },
      "'addresses[1]': more than one PHONE contact of type WORK",
    ],
    [
      { version: 1, primaryContactInfo: [{ address: 'nope', mediaType: 'EMAIL', type: 'PRIMARY' }] },
      'primaryContactInfo[0].address',
    ],
    [
      { version: 1, state: 'inactive', title: 'x' },
      "'state': must be the only field updated, but the body also has title",
    ],
    [{ version: 1, state: 'deleted' }, "'state': must be one of active, inactive"],
    [{ version: 1, manager: 'nobody' }, `'manager': no user with id "nobody"`],
    [{ version: 1, manager: SELF }, "'manager': a user cannot be their own manager"],
    [{ version: 1, manager: 7 }, "'manager': expected a string"],
    [
      { version: 1, employerInfo: { dateHire: '2020-13-01' } },
      "'employerInfo.dateHire': expected a date as yyyy-MM-dd",
    ],
    [{ version: 1, employerInfo: { dateHire: '2021-02-29' } }, "'employerInfo.dateHire'"],
    [{ version: 1, employerInfo: { dateHire: '01/02/2020' } }, "'employerInfo.dateHire'"],
    [{ version: 1, employerInfo: { hired: '2020-01-01' } }, "Unrecognized field 'employerInfo.hired'"],
    [{ version: 1, employerInfo: { employeeId: 5 } }, "'employerInfo.employeeId': expected a string"],
    [{ version: 1, profileSkills: ['a', 2] }, "'profileSkills[1]': expected a string"],
    [{ version: 1, groups: [{ name: 'g' }] }, "'groups[0].id'"],
    [{ version: 1, chat: { jabberId: 1 } }, "'chat.jabberId'"],
    [{ version: 1, id: 'someone-else' }, "'id': does not match the user id in the path"],
    [[], 'must be a JSON object, got an array'],
    [undefined, 'must be a JSON object, got undefined'],
  ])('rejects %j', (body, message) => {
    expect(invalid(body)).toContain(message);
  });
});

describe('isIsoDate', () => {
  it('accepts real dates only', () => {
    expect(['2024-02-29', '1999-12-31', '2000-01-01'].map(isIsoDate)).toEqual([true, true, true]);
    expect(['2023-02-29', '2024-04-31', '2024-1-01', '20240101', ''].map(isIsoDate)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
