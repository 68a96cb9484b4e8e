// The failures a PSA backend acts on, each its own class so `instanceof` picks the reaction:
// fix the input, show the refusal, or treat the appointment as already approved.

/** One rejected field: its JSON path in wire (camelCase) names, and what is wrong with it. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * The input was refused: an approval the workflow failed with `invalid_input`, or a reschedule /
 * cancel whose input the update validator could not read. `fields` lists every bad field the
 * worker named; `more` counts those it left out of the message (past 50).
 */
export class MeetflowValidationError extends Error {
  override readonly name = 'MeetflowValidationError';
  constructor(
    message: string,
    readonly fields: FieldProblem[],
    readonly more = 0,
  ) {
    super(message);
  }
}

/**
 * A change the workflow refused by its rules (a start in the past, an appointment already
 * cancelled or ended, the same times again). Nothing was written to history.
 */
export class ChangeRejectedError extends Error {
  override readonly name = 'ChangeRejectedError';
}

/** `approve` with `onConflict: 'fail'` found the appointment already approved. */
export class AlreadyApprovedError extends Error {
  override readonly name = 'AlreadyApprovedError';
  constructor(
    readonly workflowId: string,
    readonly runId: string,
  ) {
    super(`appointment already approved: workflow ${workflowId}, run ${runId}`);
  }
}

const PREFIX = 'invalid input: ';
const MORE = /^… and (\d+) more problems$/;
// A field path as the worker writes it (proto/src/parse.rs): camelCase names, `.` and `[i]`.
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)*: /;

/** Whether a failure message is the worker's list of bad fields (`invalid input: …`). */
export function isInputErrorMessage(message: string): boolean {
  return message.startsWith(PREFIX);
}

/**
 * Splits `invalid input: a: problem; b[0].c: problem; … and N more problems` into its fields.
 *
 * A problem may itself contain `; ` (`unknown role "X"; one of …`) and quotes the offending
 * value escaped, so the list is split only at a `; ` outside quotes that is followed by a field
 * path and `: `. A message that names no path (the workflow id check) becomes one problem of
 * the field `input`.
 */
export function parseInputErrors(message: string): { fields: FieldProblem[]; more: number } {
  const body = isInputErrorMessage(message) ? message.slice(PREFIX.length) : message;
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted && c === '\\') {
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ';' && body[i + 1] === ' ') {
      const next = body.slice(i + 2);
      if (PATH.test(next) || MORE.test(next)) {
        parts.push(body.slice(start, i));
        start = i + 2;
      }
    }
  }
  parts.push(body.slice(start));

  const fields: FieldProblem[] = [];
  let more = 0;
  for (const part of parts) {
    const counted = MORE.exec(part);
    const path = PATH.exec(part);
    if (counted) more = Number(counted[1]);
    else if (path) fields.push({ path: path[0].slice(0, -2), message: part.slice(path[0].length) });
    else fields.push({ path: 'input', message: part });
  }
  return { fields, more };
}

export function validationError(message: string): MeetflowValidationError {
  const { fields, more } = parseInputErrors(message);
  return new MeetflowValidationError(message, fields, more);
}
