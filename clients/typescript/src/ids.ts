// Names that are part of meetflow's contract (proto/src/names.rs): changing any of them breaks
// running workflows, so they live in one place here too.

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TASK_QUEUE = 'meetflow';

export const APPOINTMENT_WORKFLOW = 'AppointmentLifecycle';

export const SIGNAL_CANCEL = 'cancel';
export const SIGNAL_MEETING_ENDED = 'meetingEnded';
export const SIGNAL_ARTIFACTS_AVAILABLE = 'artifactsAvailable';
export const UPDATE_RESCHEDULE = 'reschedule';
export const UPDATE_CANCEL = 'cancelAppointment';
export const QUERY_STATE = 'state';

export const SA_TENANT_ID = 'TenantId';
export const SA_APPOINTMENT_ID = 'AppointmentId';
export const SA_APPOINTMENT_PHASE = 'AppointmentPhase';

/** Which appointment a call is about; its workflow id is derived from it, never chosen. */
export interface AppointmentRef {
  tenantId: string;
  appointmentId: string;
}

// The same character sets the worker enforces (proto/src/model.rs). Checked here only because
// they end up in a workflow id and a visibility query: a `/` or a quote would name another
// workflow or change the query, long before the worker could refuse it.
const TENANT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const APPOINTMENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isTenantId(value: string): boolean {
  return TENANT_ID.test(value);
}

export function isAppointmentId(value: string): boolean {
  return APPOINTMENT_ID.test(value);
}

/** `appointment/{tenantId}/{appointmentId}`: one workflow per appointment. */
export function appointmentWorkflowId(ref: AppointmentRef): string {
  return `appointment/${ref.tenantId}/${ref.appointmentId}`;
}

/** The appointment an `appointment/…` workflow id names; `undefined` for any other id. */
export function appointmentOfWorkflowId(workflowId: string): AppointmentRef | undefined {
  const rest = workflowId.startsWith('appointment/') ? workflowId.slice('appointment/'.length) : undefined;
  const slash = rest?.indexOf('/') ?? -1;
  if (rest === undefined || slash < 0) return undefined;
  const ref = { tenantId: rest.slice(0, slash), appointmentId: rest.slice(slash + 1) };
  return isTenantId(ref.tenantId) && isAppointmentId(ref.appointmentId) ? ref : undefined;
}
