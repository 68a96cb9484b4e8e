export { MeetflowClient } from './client.js';
export type {
  Approval,
  ApprovalInput,
  ApproveOptions,
  AppointmentSummary,
  ListFilters,
  MeetflowClientOptions,
  PhaseName,
  SignalOptions,
} from './client.js';
export { ENCODING, KEY_ID, MeetflowCodec, type CodecOptions } from './codec.js';
export {
  AlreadyApprovedError,
  ChangeRejectedError,
  MeetflowValidationError,
  parseInputErrors,
  type FieldProblem,
} from './errors.js';
export * from './ids.js';
export type * from './gen/meetflow/v1/appointment_pb.js';
export { Connection } from '@temporalio/client';
