// Inputs and waits shared by the test files.
import { setTimeout as sleep } from 'node:timers/promises';
// A CommonJS module: from ESM only its default export is reliable.
import proto from '@temporalio/proto';
import type { ApprovalInput, AppointmentRef, AppointmentStateJson, MeetflowClient } from '../src/index.js';

const HOUR = 3_600_000;

/** An approval an hour from now, for the demo tenant unless told otherwise. */
export function approval(appointmentId: string, tenantId = 'demo'): ApprovalInput {
  const start = new Date(Date.now() + HOUR);
  return {
    tenantId,
    appointmentId,
    title: 'Firewall review',
    description: 'Bring the logs.',
    start: start.toISOString(),
    end: new Date(start.getTime() + 45 * 60_000).toISOString(),
    organizerTimeZone: 'Europe/Berlin',
    participants: [
      { role: 'PARTICIPANT_ROLE_CLIENT_CONTACT', email: 'dana@customer.example', displayName: 'Dana' },
      { role: 'PARTICIPANT_ROLE_TECHNICIAN', email: 'tom@msp.example', displayName: 'Tom', locale: 'de-DE' },
    ],
    generateTeamsMeeting: true,
  };
}

/** Polls `state` until `done` holds; fails with the last state after `ms`. */
export async function stateWhen(
  client: MeetflowClient,
  ref: AppointmentRef,
  done: (s: AppointmentStateJson) => boolean,
  ms = 60_000,
): Promise<AppointmentStateJson> {
  let last: AppointmentStateJson | undefined;
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(200)) {
    last = await client.state(ref);
    if (done(last)) return last;
  }
  throw new Error(`state never matched within ${ms} ms; last: ${JSON.stringify(last)}`);
}

/** Polls until `probe` returns a value that `done` accepts. */
export async function eventually<T>(probe: () => Promise<T>, done: (v: T) => boolean, ms = 30_000): Promise<T> {
  let last: T | undefined;
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(250)) {
    last = await probe();
    if (done(last)) return last;
  }
  throw new Error(`never matched within ${ms} ms; last: ${JSON.stringify(last)}`);
}

/** The history as the server stores it, as protobuf bytes: every payload's data is in there verbatim. */
export async function storedHistory(client: MeetflowClient, workflowId: string): Promise<Buffer> {
  const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
  return Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
}

/** Every payload in a history object, outside search attributes and memos, with its path. */
export function payloads(node: unknown, path = '$'): { path: string; encoding: string }[] {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((n, i) => payloads(n, `${path}[${i}]`));
  const obj = node as Record<string, unknown>;
  const metadata = obj.metadata as Record<string, Uint8Array> | undefined;
  if (metadata && typeof metadata === 'object' && 'data' in obj) {
    return [{ path, encoding: Buffer.from(metadata.encoding ?? []).toString() }];
  }
  return Object.entries(obj)
    .filter(([k]) => k !== 'searchAttributes' && k !== 'indexedFields')
    .flatMap(([k, v]) => payloads(v, `${path}.${k}`));
}
