// The typed client against the real stack (meetflow dev: Temporal, the Rust worker, the Graph
// emulator), as a PSA backend uses it. The state and result are also read with protobuf-es's
// `fromJson`, a strict proto3 JSON parser that refuses unknown fields and wrong shapes: the
// worker's JSON has to be the mapping the generated types describe.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromJson } from '@bufbuild/protobuf';
import {
  AlreadyApprovedError,
  ChangeRejectedError,
  MeetflowClient,
  MeetflowValidationError,
  appointmentWorkflowId,
  type AppointmentRef,
} from '../src/index.js';
import { AppointmentResultSchema, AppointmentStateSchema } from '../src/gen/meetflow/v1/appointment_pb.js';
import { approval, eventually, stateWhen, storedHistory } from './fixtures.js';
import { startDevStack, type DevStack } from './stack.js';

const DAY = 86_400_000;

describe('meetflow client against the dev stack', () => {
  let stack: DevStack;
  let client: MeetflowClient;

  before(async () => {
    stack = await startDevStack();
    client = new MeetflowClient({ connection: stack.connection, taskQueue: stack.taskQueue });
  });
  after(async () => {
    await stack?.stop();
  });

  test('approve → state shows the meeting → reschedule (accepted, refused) → cancel → result', async () => {
    const input = approval('life-1');
    const ref: AppointmentRef = input;
    const approved = await client.approve(input);
    assert.equal(approved.kind, 'started');
    assert.equal(approved.workflowId, 'appointment/demo/life-1');

    const scheduled = await stateWhen(client, ref, (s) => s.phase === 'APPOINTMENT_PHASE_SCHEDULED');
    fromJson(AppointmentStateSchema, scheduled);
    assert.match(scheduled.meeting?.created?.joinUrl ?? '', /^https:\/\//, JSON.stringify(scheduled));
    assert.deepEqual(scheduled.mails?.map((m) => m.recipient).sort(), ['dana@customer.example', 'tom@msp.example']);
    // Without the codec the history holds the approval in clear text: the codec test's scan
    // for the address is one that can find it.
    assert.ok((await storedHistory(client, approved.workflowId)).includes('dana@customer.example'));

    const newStart = new Date(Date.parse(input.start as string) + DAY);
    const moved = await client.reschedule(ref, {
      start: newStart.toISOString(),
      end: new Date(newStart.getTime() + 3_600_000).toISOString(),
      reason: 'client asked',
    });
    assert.deepEqual(moved, { sequence: 1 });
    const rescheduled = await stateWhen(client, ref, (s) => (s.sequence ?? 0) === 1);
    assert.equal(Date.parse(rescheduled.start as string), newStart.getTime());

    await assert.rejects(
      client.reschedule(ref, { start: '2020-01-03T10:00:00Z', end: '2020-01-03T11:00:00Z' }),
      (err: unknown) => {
        assert.ok(err instanceof ChangeRejectedError, String(err));
        assert.match(err.message, /^start \(2020-01-03 10:00:00 UTC\) is in the past/);
        return true;
      },
    );
    await assert.rejects(client.reschedule(ref, { start: 'soon', reason: 'x' }), (err: unknown) => {
      assert.ok(err instanceof MeetflowValidationError, String(err));
      assert.deepEqual(err.fields.map((f) => f.path).sort(), ['end', 'start']);
      return true;
    });

    assert.deepEqual(await client.cancel(ref, { reason: 'no longer needed' }), { sequence: 2 });
    const result = await client.result(ref);
    fromJson(AppointmentResultSchema, result);
    assert.equal(result.finalState?.phase, 'APPOINTMENT_PHASE_CANCELLED');
    assert.equal(result.finalState?.sequence, 2);
    assert.deepEqual(
      result.finalState?.mails?.filter((m) => m.step === 'cancelled').map((m) => m.recipient).sort(),
      ['dana@customer.example', 'tom@msp.example'],
    );
    await assert.rejects(
      client.reschedule(ref, { start: newStart.toISOString(), end: new Date(newStart.getTime() + 7_200_000).toISOString() }),
      (err: unknown) => err instanceof ChangeRejectedError && /closed: workflow execution already completed/.test(err.message),
    );
  });

  test('cancel by signal closes the appointment', async () => {
    const input = approval('signal-cancel-1');
    await client.approve(input);
    await stateWhen(client, input, (s) => s.phase === 'APPOINTMENT_PHASE_SCHEDULED');
    await client.cancelBySignal(input, { reason: 'by signal' });
    const result = await client.result(input);
    assert.equal(result.finalState?.phase, 'APPOINTMENT_PHASE_CANCELLED');
  });

  test('an approval starts listed, so the workflow does not upsert its ids again', async () => {
    const input = approval('listed-at-start-1');
    const { workflowId } = await client.approve(input);
    await stateWhen(client, input, (s) => s.phase === 'APPOINTMENT_PHASE_SCHEDULED');
    const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ?? {};
    assert.deepEqual(Object.keys(started).sort(), ['AppointmentId', 'AppointmentPhase', 'TenantId']);
    const idUpserts = events.filter((e) => 'TenantId' in (e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));
    assert.equal(idUpserts.length, 0);
  });

  test('a duplicate approval never starts a second workflow', async () => {
    const input = approval('dup-1');
    const first = await client.approve(input);
    assert.equal(first.kind, 'started');

    await assert.rejects(client.approve(input), (err: unknown) => {
      assert.ok(err instanceof AlreadyApprovedError, String(err));
      assert.equal(err.workflowId, 'appointment/demo/dup-1');
      assert.equal(err.runId, first.runId);
      return true;
    });
    assert.deepEqual(await client.approve(input, { onConflict: 'useExisting' }), {
      kind: 'alreadyApproved',
      workflowId: 'appointment/demo/dup-1',
      runId: first.runId,
    });
  });

  test('bad input fails the approval with every bad field named', async () => {
    const input = approval('bad-1');
    const bad = {
      ...input,
      title: '',
      // The quoted value holds `; end: `: the split must not take it for a field.
      start: 'tomorrow; end: later',
      organizerTimeZone: 'Mars/Olympus',
      participants: [
        { role: 'PARTICIPANT_ROLE_CLIENT_CONTACT' as const },
        { role: 'TECHNICIAN' as never, email: 'not-an-address' },
      ],
    };
    assert.equal((await client.approve(bad)).kind, 'started');
    await assert.rejects(client.result(input), (err: unknown) => {
      assert.ok(err instanceof MeetflowValidationError, String(err));
      assert.deepEqual(err.fields.map((f) => f.path).sort(), [
        'organizerTimeZone',
        'participants[0].email',
        'participants[1].email',
        'participants[1].role',
        'start',
        'title',
      ]);
      const start = err.fields.find((f) => f.path === 'start');
      assert.match(start?.message ?? '', /^"tomorrow; end: later" is not an RFC 3339 timestamp/);
      const role = err.fields.find((f) => f.path === 'participants[1].role');
      assert.match(role?.message ?? '', /unknown role "TECHNICIAN"; one of PARTICIPANT_ROLE_CLIENT_CONTACT/);
      return true;
    });
  });

  test('signal-with-start: meetingEnded starts the lifecycle, or reaches the running one', async () => {
    const input = approval('sws-1');
    // A meeting that "ended" before it was even approved: the approval comes with the signal.
    await client.meetingEnded(input, {}, { startWith: input });
    const ended = await stateWhen(client, input, (s) =>
      ['APPOINTMENT_PHASE_ENDED', 'APPOINTMENT_PHASE_CAPTURING', 'APPOINTMENT_PHASE_DONE'].includes(s.phase ?? ''),
    );
    assert.match(ended.meeting?.created?.joinUrl ?? '', /^https:\/\//, JSON.stringify(ended));
    const { runId } = await client.temporal.workflow.getHandle(appointmentWorkflowId(input)).describe();
    // Again, on the running workflow: the signal joins it instead of starting another.
    await client.refreshArtifacts(input, { source: 'psa' }, { startWith: input });
    const again = await client.temporal.workflow.getHandle(appointmentWorkflowId(input)).describe();
    assert.equal(again.runId, runId);
    await assert.rejects(client.meetingEnded(input, {}, { startWith: approval('someone-else') }), MeetflowValidationError);
  });

  test('list by tenant (and phase) sees exactly that tenant’s appointments', async () => {
    const mine = ['list-a', 'list-b'];
    for (const id of mine) await client.approve(approval(id, 'listed'));
    await client.approve(approval('list-c', 'other'));
    const listed = await eventually(
      () => client.list('listed', { phase: 'scheduled' }),
      (found) => found.length === mine.length,
    );
    assert.deepEqual(listed.map((a) => a.appointmentId).sort(), mine);
    for (const a of listed) {
      assert.equal(a.tenantId, 'listed');
      assert.equal(a.phase, 'scheduled');
      assert.equal(a.status, 'RUNNING');
    }
    assert.deepEqual(await client.list('listed', { phase: 'cancelled' }), []);
    await assert.rejects(client.list("x' OR TenantId != '"), MeetflowValidationError);
  });
});
