import { describe, expect, test } from '@jest/globals';
import { checkBasicAuth, hashPushPassword } from '../../../src/connectors/push/basic-auth.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const PASSWORD = 'k3Xq9:with-colon_and-entropy';

describe('checkBasicAuth', () => {
  const plain = { username: 'moodle-42', password: PASSWORD };
  const hashed = { username: 'moodle-42', passwordHash: hashPushPassword(PASSWORD) };

  test.each([
    ['plain', plain],
    ['hashed', hashed],
  ])('the right credentials pass (%s expectation); a colon in the password is kept', (_n, expected) => {
    expect(checkBasicAuth(basic('moodle-42', PASSWORD), expected)).toBe(true);
    expect(checkBasicAuth(basic('moodle-42', PASSWORD).replace('Basic', 'basic'), expected)).toBe(true);
  });

  test.each([
    ['wrong password', basic('moodle-42', 'guess')],
    ['wrong username', basic('moodle-43', PASSWORD)],
    ['password prefix only', basic('moodle-42', PASSWORD.slice(0, 5))],
    ['no colon', `Basic ${Buffer.from('moodle-42').toString('base64')}`],
    ['bearer scheme', `Bearer ${Buffer.from(`moodle-42:${PASSWORD}`).toString('base64')}`],
    ['not base64', 'Basic !!!'],
    ['empty header', ''],
    ['no header', undefined],
  ])('%s fails', (_n, header) => {
    expect(checkBasicAuth(header, plain)).toBe(false);
    expect(checkBasicAuth(header, hashed)).toBe(false);
  });

  test('a stored hash in an unknown format never matches; an empty expected username never matches', () => {
    expect(
      checkBasicAuth(basic('moodle-42', PASSWORD), { username: 'moodle-42', passwordHash: PASSWORD }),
    ).toBe(false);
    expect(checkBasicAuth(basic('', PASSWORD), { username: '', password: PASSWORD })).toBe(false);
  });

  test('hashPushPassword is a stable sha256 digest that does not contain the password', () => {
    expect(hashPushPassword(PASSWORD)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashPushPassword(PASSWORD)).toBe(hashPushPassword(PASSWORD));
    expect(hashPushPassword(PASSWORD)).not.toContain(PASSWORD);
  });
});
