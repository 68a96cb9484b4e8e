// A thin typed layer over @temporalio/client: it derives workflow ids, names the handlers, types
// the proto3 JSON payloads (src/gen, generated from proto/meetflow/v1) and turns the worker's
// refusals into typed errors. Everything on the wire is what docs/contract.md describes, so a
// backend may mix this client with raw @temporalio/client calls.
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionStatusName,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { MeetflowCodec, type CodecOptions } from './codec.js';
import {
  AlreadyApprovedError,
  ChangeRejectedError,
  MeetflowValidationError,
  isInputErrorMessage,
  validationError,
} from './errors.js';
import type {
  AppointmentApprovedJson,
  AppointmentResultJson,
  AppointmentStateJson,
  CancelJson,
  ChangeAcceptedJson,
  MeetingEndedJson,
  RefreshArtifactsJson,
  RescheduleJson,
} from './gen/meetflow/v1/appointment_pb.js';
import {
  APPOINTMENT_WORKFLOW,
  DEFAULT_NAMESPACE,
  DEFAULT_TASK_QUEUE,
  QUERY_STATE,
  SA_APPOINTMENT_ID,
  SA_APPOINTMENT_PHASE,
  SA_TENANT_ID,
  SIGNAL_ARTIFACTS_AVAILABLE,
  SIGNAL_CANCEL,
  SIGNAL_MEETING_ENDED,
  UPDATE_CANCEL,
  UPDATE_RESCHEDULE,
  appointmentOfWorkflowId,
  appointmentWorkflowId,
  isAppointmentId,
  isTenantId,
  type AppointmentRef,
} from './ids.js';

/** An approval: the workflow id is derived from `tenantId` and `appointmentId`, so both are required. */
export type ApprovalInput = AppointmentApprovedJson & AppointmentRef;

export interface MeetflowClientOptions {
  connection: Connection;
  /** Default `default`. */
  namespace?: string;
  /** Default `meetflow`: the worker's `temporal.task_queue`. */
  taskQueue?: string;
  /** The worker's `[codec]` keys, when its codec is on (docs/codec.md). */
  codec?: CodecOptions;
}

export interface ApproveOptions {
  /**
   * What an approval of an appointment that already has a workflow does. `fail` (default):
   * throw `AlreadyApprovedError`. `useExisting`: resolve to `{ kind: 'alreadyApproved' }` with
   * the existing run. Neither starts a second workflow, so neither creates a second meeting.
   */
  onConflict?: 'fail' | 'useExisting';
}

export type Approval =
  | { kind: 'started'; workflowId: string; runId: string }
  | { kind: 'alreadyApproved'; workflowId: string; runId: string };

/** The `AppointmentPhase` search attribute: the phase's lower-case name. */
export type PhaseName = 'approving' | 'scheduled' | 'ended' | 'capturing' | 'done' | 'cancelled';

export interface ListFilters {
  phase?: PhaseName;
  /** Only running (`true`) or only closed (`false`) workflows. */
  open?: boolean;
  /** At most this many (default 1000), newest first. */
  limit?: number;
}

export interface AppointmentSummary extends AppointmentRef {
  workflowId: string;
  runId: string;
  /** Set from the start by `approve`; absent for a workflow another starter began without it, until its first task. */
  phase?: string;
  status: WorkflowExecutionStatusName;
  startTime: Date;
}

/**
 * Starts a lifecycle with a signal (`temporal workflow signal-with-start`): the signal reaches
 * the running workflow, or a workflow started from `startWith` when none runs.
 */
export interface SignalOptions {
  startWith?: ApprovalInput;
}

const PHASE_KEY = defineSearchAttributeKey(SA_APPOINTMENT_PHASE, SearchAttributeType.KEYWORD);
const TENANT_KEY = defineSearchAttributeKey(SA_TENANT_ID, SearchAttributeType.KEYWORD);
const APPOINTMENT_KEY = defineSearchAttributeKey(SA_APPOINTMENT_ID, SearchAttributeType.KEYWORD);

export class MeetflowClient {
  /** The underlying client, for anything this one does not cover. */
  readonly temporal: Client;
  readonly taskQueue: string;

  constructor(options: MeetflowClientOptions) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.temporal = new Client({
      connection: options.connection,
      namespace: options.namespace ?? DEFAULT_NAMESPACE,
      dataConverter: options.codec
        ? // The worker seals failure messages too (encoded attributes); the SDK's default
          // failure converter opens those once the codec decoded them, so refusals stay readable.
          { payloadCodecs: [new MeetflowCodec(options.codec)] }
        : undefined,
    });
  }

  /**
   * Starts the appointment's lifecycle. Input errors are judged by the worker, in the workflow's
   * first task: they surface from `result()` as `MeetflowValidationError`.
   */
  async approve(input: ApprovalInput, options: ApproveOptions = {}): Promise<Approval> {
    const workflowId = appointmentWorkflowId(input);
    try {
      const handle = await this.temporal.workflow.start(APPOINTMENT_WORKFLOW, {
        ...this.startOptions(input),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      });
      return { kind: 'started', workflowId, runId: handle.firstExecutionRunId };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const { runId } = await this.temporal.workflow.getHandle(workflowId).describe();
      if (options.onConflict === 'useExisting') return { kind: 'alreadyApproved', workflowId, runId };
      throw new AlreadyApprovedError(workflowId, runId);
    }
  }

  /**
   * Moves the meeting. Refused by the workflow's rules or because the appointment is closed:
   * `ChangeRejectedError`; unreadable input: `MeetflowValidationError`; no such appointment: the
   * SDK's `WorkflowNotFoundError`.
   */
  async reschedule(ref: AppointmentRef, input: RescheduleJson): Promise<ChangeAcceptedJson> {
    return this.update<ChangeAcceptedJson>(ref, UPDATE_RESCHEDULE, input);
  }

  /** Cancels and answers once the workflow accepted it (the update `cancelAppointment`). */
  async cancel(ref: AppointmentRef, input: CancelJson = {}): Promise<ChangeAcceptedJson> {
    return this.update<ChangeAcceptedJson>(ref, UPDATE_CANCEL, input);
  }

  /** Fire-and-forget cancel (the signal `cancel`): ignored once the appointment is closed. */
  async cancelBySignal(ref: AppointmentRef, input: CancelJson = {}): Promise<void> {
    await this.handle(ref).signal(SIGNAL_CANCEL, input);
  }

  /** The meeting ended before its scheduled end. */
  async meetingEnded(ref: AppointmentRef, input: MeetingEndedJson = {}, options: SignalOptions = {}): Promise<void> {
    await this.signal(ref, SIGNAL_MEETING_ENDED, input, options);
  }

  /** Poll Graph for recordings and transcripts now (the PSA's "Refresh recordings"). */
  async refreshArtifacts(
    ref: AppointmentRef,
    input: RefreshArtifactsJson = {},
    options: SignalOptions = {},
  ): Promise<void> {
    await this.signal(ref, SIGNAL_ARTIFACTS_AVAILABLE, input, options);
  }

  async state(ref: AppointmentRef): Promise<AppointmentStateJson> {
    return this.handle(ref).query<AppointmentStateJson>(QUERY_STATE);
  }

  /** Waits for the lifecycle to finish. Bad approval input: `MeetflowValidationError`. */
  async result(ref: AppointmentRef): Promise<AppointmentResultJson> {
    try {
      return await this.handle(ref).result();
    } catch (err) {
      const failure = err instanceof WorkflowFailedError ? err.cause : undefined;
      if (failure instanceof ApplicationFailure && failure.type === 'invalid_input') {
        throw validationError(failure.message);
      }
      throw err;
    }
  }

  /** A tenant's appointments, from Temporal's visibility store (search attributes). */
  async list(tenantId: string, filters: ListFilters = {}): Promise<AppointmentSummary[]> {
    checkTenant(tenantId);
    // Values are safe inside the quotes: the tenant id was checked above and the phase is one
    // of a fixed set.
    const clauses = [`WorkflowType = '${APPOINTMENT_WORKFLOW}'`, `${SA_TENANT_ID} = '${tenantId}'`];
    if (filters.phase) clauses.push(`${SA_APPOINTMENT_PHASE} = '${filters.phase}'`);
    if (filters.open !== undefined) clauses.push(filters.open ? `ExecutionStatus = 'Running'` : `ExecutionStatus != 'Running'`);
    const limit = filters.limit ?? 1000;
    const found: AppointmentSummary[] = [];
    for await (const info of this.temporal.workflow.list({ query: clauses.join(' AND ') })) {
      const ref = appointmentOfWorkflowId(info.workflowId);
      if (!ref) continue; // not one of ours, whatever its type says
      found.push({
        ...ref,
        workflowId: info.workflowId,
        runId: info.runId,
        phase: info.typedSearchAttributes.get(PHASE_KEY),
        status: info.status.name,
        startTime: info.startTime,
      });
      if (found.length >= limit) break;
    }
    return found;
  }

  private handle(ref: AppointmentRef): WorkflowHandle {
    checkTenant(ref.tenantId);
    if (!isAppointmentId(ref.appointmentId)) {
      throw new MeetflowValidationError('invalid appointment id', [
        { path: 'appointmentId', message: 'expected 1-128 of [A-Za-z0-9._:-]' },
      ]);
    }
    return this.temporal.workflow.getHandle(appointmentWorkflowId(ref));
  }

  private startOptions(input: ApprovalInput) {
    return {
      taskQueue: this.taskQueue,
      workflowId: appointmentWorkflowId(input),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      args: [input],
      // Listed (`approving`) from its start, so the workflow does not upsert these itself: one
      // billable Action less per appointment (docs/contract.md).
      typedSearchAttributes: [
        { key: TENANT_KEY, value: input.tenantId },
        { key: APPOINTMENT_KEY, value: input.appointmentId },
        { key: PHASE_KEY, value: 'approving' },
      ],
    };
  }

  private async signal(ref: AppointmentRef, name: string, input: object, options: SignalOptions): Promise<void> {
    if (!options.startWith) {
      await this.handle(ref).signal(name, input);
      return;
    }
    const start = options.startWith;
    if (start.tenantId !== ref.tenantId || start.appointmentId !== ref.appointmentId) {
      throw new MeetflowValidationError('startWith names another appointment', [
        { path: 'startWith', message: `must be the approval of ${appointmentWorkflowId(ref)}` },
      ]);
    }
    await this.temporal.workflow.signalWithStart(APPOINTMENT_WORKFLOW, {
      ...this.startOptions(start),
      signal: name,
      signalArgs: [input],
    });
  }

  private async update<R>(ref: AppointmentRef, name: string, input: object): Promise<R> {
    try {
      return await this.handle(ref).executeUpdate<R, [object]>(name, { args: [input] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const message = err.cause.message;
        throw isInputErrorMessage(message) ? validationError(message) : new ChangeRejectedError(message);
      }
      // A closed appointment refuses changes like a cancelled one does, only the server says it.
      if (err instanceof WorkflowNotFoundError && /already completed/.test(err.message)) {
        throw new ChangeRejectedError(`the appointment is closed: ${err.message}`);
      }
      throw err;
    }
  }
}

function checkTenant(tenantId: string): void {
  if (!isTenantId(tenantId)) {
    throw new MeetflowValidationError('invalid tenant id', [{ path: 'tenantId', message: 'expected 1-64 of [A-Za-z0-9._-]' }]);
  }
}
