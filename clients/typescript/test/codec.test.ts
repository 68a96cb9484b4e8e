// With the worker's [codec] on and the same keys given to the client: the client starts, updates
// and queries the sealed workflows, and what the server stores holds no clear-text address.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChangeRejectedError, ENCODING, MeetflowClient, MeetflowCodec } from '../src/index.js';
import { approval, payloads, stateWhen, storedHistory } from './fixtures.js';
import { codecEnv, startDevStack, type DevStack } from './stack.js';

// Two keys, as after a rotation: 2026-01 seals, 2025-12 only opens older payloads.
const KEYS = {
  '2025-12': Buffer.alloc(32, 0x11).toString('base64'),
  '2026-01': Buffer.alloc(32, 0x22).toString('base64'),
};
const ENCRYPT_KEY_ID = '2026-01';

describe('with the payload codec on', () => {
  let stack: DevStack;
  let client: MeetflowClient;
  let secrets: string;

  before(async () => {
    secrets = mkdtempSync(join(tmpdir(), 'meetflow-ts-keys-'));
    stack = await startDevStack(codecEnv(secrets, KEYS, ENCRYPT_KEY_ID));
    client = new MeetflowClient({
      connection: stack.connection,
      taskQueue: stack.taskQueue,
      codec: { keys: KEYS, encryptKeyId: ENCRYPT_KEY_ID },
    });
  });
  after(async () => {
    await stack?.stop();
    rmSync(secrets, { recursive: true, force: true });
  });

  test('the history holds no clear-text email, and the client reads everything back', async () => {
    const input = approval('sealed-1');
    const { workflowId } = await client.approve(input);
    const state = await stateWhen(client, input, (s) => s.phase === 'APPOINTMENT_PHASE_SCHEDULED');
    assert.deepEqual(state.mails?.map((m) => m.recipient).sort(), ['dana@customer.example', 'tom@msp.example']);
    await assert.rejects(
      client.reschedule(input, { start: '2020-01-03T10:00:00Z', end: '2020-01-03T11:00:00Z' }),
      (err: unknown) => err instanceof ChangeRejectedError && /is in the past/.test(err.message),
    );
    assert.deepEqual(await client.cancel(input, { reason: 'Dana is ill' }), { sequence: 1 });
    assert.equal((await client.result(input)).finalState?.phase, 'APPOINTMENT_PHASE_CANCELLED');

    const stored = await storedHistory(client, workflowId);
    for (const secret of ['dana@customer.example', 'tom@msp.example', 'Firewall review', 'Dana is ill', 'teams.microsoft.com']) {
      assert.ok(!stored.includes(secret), `${secret} is readable in the stored history`);
    }
    const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
    const found = payloads(history);
    assert.ok(found.length >= 5, `payloads found: ${JSON.stringify(found)}`);
    // The SDK writes its own markers' details unsealed: a patch marker's patch id of
    // workflows/src/lifecycle/patches.rs, a local-activity marker's `data` (the activity's type,
    // attempt, sequence number and times; its input and result are sealed). The clear-text scan
    // above covers them too; tests/e2e/codec/history_scan.rs allows the same.
    const sdkOwn = ['.markerRecordedEventAttributes.details.patch-data.', '.markerRecordedEventAttributes.details.data.'];
    const unsealed = found.filter((p) => p.encoding !== ENCODING && !sdkOwn.some((own) => p.path.includes(own)));
    assert.deepEqual(unsealed, []);
  });

  test('a client without the codec cannot read the sealed state', async () => {
    const input = approval('sealed-2');
    await client.approve(input);
    await stateWhen(client, input, (s) => s.phase === 'APPOINTMENT_PHASE_SCHEDULED');
    const plain = new MeetflowClient({ connection: stack.connection, taskQueue: stack.taskQueue });
    await assert.rejects(plain.state(input), /binary\/encrypted|Unknown encoding/i);
    assert.throws(() => new MeetflowCodec({ keys: { short: Buffer.alloc(16).toString('base64') } }), /short: AES-256 needs 32 bytes/);
  });
});
