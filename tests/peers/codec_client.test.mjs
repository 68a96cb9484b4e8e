// Run by tests/e2e/codec/typescript.rs against the stack it started (worker and dev server with
// [codec] on): @temporalio/client with the TypeScript client's MeetflowCodec (clients/typescript,
// built by the Rust test) starts an approval the Rust worker runs, reads the `state` query back
// decoded, and exchanges sealed payloads with the Rust codec both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { MeetflowCodec, ENCODING, KEY_ID } from '../../clients/typescript/dist/src/codec.js';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (tests/e2e/codec/typescript.rs sets it)`);
  return value;
};
const codec = () =>
  new MeetflowCodec({
    keys: JSON.parse(env('MEETFLOW_CODEC_KEYS')),
    encryptKeyId: env('MEETFLOW_CODEC_ENCRYPT_KEY_ID'),
  });

// Payloads travel between the two processes in the codec-server wire form:
// {"payloads": [proto3 JSON]}.
const fromWire = (p) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data).toString('base64'),
});

test('@temporalio/client with the codec approves and reads the state back decoded', async () => {
  const connection = await Connection.connect({ address: env('MEETFLOW_TEMPORAL_ADDRESS') });
  try {
    const client = new Client({
      connection,
      namespace: 'default',
      dataConverter: { payloadCodecs: [codec()] },
    });
    const approval = JSON.parse(env('MEETFLOW_APPROVAL'));
    const handle = await client.workflow.start('AppointmentLifecycle', {
      taskQueue: env('MEETFLOW_TASK_QUEUE'),
      workflowId: `appointment/${approval.tenantId}/${approval.appointmentId}`,
      args: [approval],
    });
    let state;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
      state = await handle.query('state');
      if (state.phase === 'APPOINTMENT_PHASE_SCHEDULED') break;
    }
    assert.equal(state.phase, 'APPOINTMENT_PHASE_SCHEDULED', JSON.stringify(state));
    assert.equal(state.title, approval.title);
    assert.deepEqual(
      state.mails.map((m) => m.recipient).sort(),
      approval.participants.map((p) => p.email).sort(),
    );
    assert.match(state.meeting.created.joinUrl, /^https:\/\//);
  } finally {
    await connection.close();
  }
});

test('payloads sealed in Rust open here; ours are left for Rust to open', async () => {
  const c = codec();
  const fromRust = JSON.parse(env('MEETFLOW_RUST_SEALED')).payloads.map(fromWire);
  const [opened] = await c.decode(fromRust);
  assert.equal(Buffer.from(opened.metadata.encoding).toString(), 'json/plain');
  assert.deepEqual(JSON.parse(Buffer.from(opened.data).toString()), { sealedBy: 'rust' });

  const plain = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"sealedBy":"node"}') };
  const [sealed] = await c.encode([plain]);
  assert.equal(Buffer.from(sealed.metadata.encoding).toString(), ENCODING);
  assert.equal(Buffer.from(sealed.metadata[KEY_ID]).toString(), env('MEETFLOW_CODEC_ENCRYPT_KEY_ID'));
  writeFileSync(env('MEETFLOW_NODE_SEALED_OUT'), JSON.stringify({ payloads: [toWire(sealed)] }));

  const tampered = { ...sealed, data: Buffer.from(sealed.data) };
  tampered.data[20] ^= 1;
  await assert.rejects(c.decode([tampered]));
  const foreign = { metadata: { ...sealed.metadata, [KEY_ID]: Buffer.from('retired') }, data: sealed.data };
  await assert.rejects(c.decode([foreign]), /key id "retired"/);
  const notOurs = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('1') };
  assert.deepEqual(await c.decode([notOurs]), [notOurs]);
});
