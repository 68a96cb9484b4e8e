// The split of the worker's failure message into fields, on messages the worker writes
// (proto/src/parse.rs and docs/contract.md); the end-to-end tests see it on live failures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInputErrors } from '../src/index.js';

test('the documented message splits into its three fields', () => {
  const message =
    'invalid input: start: "tomorrow" is not an RFC 3339 timestamp such as "2030-01-02T10:00:00Z"; ' +
    'participants[0].email: missing; participants[1].role: unknown role "TECHNICIAN"; one of ' +
    'PARTICIPANT_ROLE_CLIENT_CONTACT, PARTICIPANT_ROLE_TECHNICIAN, PARTICIPANT_ROLE_EXTRA_ATTENDEE';
  assert.deepEqual(parseInputErrors(message), {
    fields: [
      { path: 'start', message: '"tomorrow" is not an RFC 3339 timestamp such as "2030-01-02T10:00:00Z"' },
      { path: 'participants[0].email', message: 'missing' },
      {
        path: 'participants[1].role',
        message:
          'unknown role "TECHNICIAN"; one of PARTICIPANT_ROLE_CLIENT_CONTACT, PARTICIPANT_ROLE_TECHNICIAN, PARTICIPANT_ROLE_EXTRA_ATTENDEE',
      },
    ],
    more: 0,
  });
});

test('a quoted value with an escaped quote and `; x: ` stays in its field; the count of the rest is kept', () => {
  const message = 'invalid input: title: "a \\"b; end: c" has a control character; end: missing; … and 3 more problems';
  assert.deepEqual(parseInputErrors(message), {
    fields: [
      { path: 'title', message: '"a \\"b; end: c" has a control character' },
      { path: 'end', message: 'missing' },
    ],
    more: 3,
  });
});

test('a message without a field path is a problem of the input as a whole', () => {
  assert.deepEqual(parseInputErrors('invalid input: not valid JSON').fields, [{ path: 'input', message: 'not valid JSON' }]);
});
