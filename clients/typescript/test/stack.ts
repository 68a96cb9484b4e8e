// The dev stack these tests run against: the real `meetflow dev --ephemeral` (Temporal dev
// server, Graph emulator, SQLite store, mail outbox and the Rust worker) on free ports, in a
// fresh folder, stopped when the test file ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';

/** The repository root (this file is clients/typescript/dist/test/stack.js). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The binary scripts/setup.sh built (scripts/meetflow finds it the same way), or MEETFLOW_BIN. */
function meetflowBinary(): string {
  if (process.env.MEETFLOW_BIN) return process.env.MEETFLOW_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'meetflow', 'target');
  return join(target, 'debug', 'meetflow');
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

export interface DevStack {
  address: string;
  taskQueue: string;
  dir: string;
  connection: Connection;
  stop(): Promise<void>;
}

const READY = /^\s*Temporal\s+(\S+)\s+\(namespace \S+, task queue ([^)]+)\)/m;

/** Starts the stack; `env` adds `MEETFLOW_*` overrides (e.g. the codec's). */
export async function startDevStack(env: Record<string, string> = {}): Promise<DevStack> {
  const dir = mkdtempSync(join(tmpdir(), 'meetflow-ts-'));
  // Every port free and distinct, so a stack never meets another on a fixed default port
  // (artifact links: 8090). The test files run one at a time (package.json): two stacks starting
  // together could each be handed the same "free" port, and the second Temporal server, unable to
  // bind it, would leave its client talking to the first (the likely cause of a codec test
  // failure seen once in CI; `meetflow dev` now refuses a port in use instead).
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const args = ['dev', '--ephemeral', '--dir', dir, '--graph-port', '0'];
  args.push('--temporal-port', String(ports[0]), '--ui-port', String(ports[1]), '--metrics-port', String(ports[2]));
  args.push('--artifacts-port', String(ports[3]));
  const child = spawn(meetflowBinary(), args, {
    cwd: REPO, // where the Temporal CLI (.venv/bin/temporal) is found
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Should the test process end without `stop()` (a crash, a failed hook), the stack must not
  // outlive it: SIGTERM makes meetflow stop its worker and the Temporal server.
  const orphaned = () => child.kill('SIGTERM');
  process.once('exit', orphaned);
  let output = '';
  const ready = await new Promise<RegExpExecArray>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      fail(new Error(`meetflow dev not up after 120 s:\n${output}`));
    }, 120_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match) {
        clearTimeout(timer);
        ok(match);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`meetflow dev exited with ${code} before it was up:\n${output}`));
    });
    child.once('error', fail);
  });
  const address = ready[1]!;
  const connection = await Connection.connect({ address });
  return {
    address,
    taskQueue: ready[2]!,
    dir,
    connection,
    async stop() {
      await connection.close();
      await stopProcess(child);
      process.removeListener('exit', orphaned);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIGTERM drains the worker and stops the stack; SIGKILL if it has not after 20 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** The codec overrides of the worker's `[codec]` (docs/codec.md), keys in secret files in `dir`. */
export function codecEnv(dir: string, keys: Record<string, string>, encryptKeyId: string): Record<string, string> {
  const entries = Object.entries(keys).map(([id, b64]) => {
    const file = join(dir, `codec-key-${id}`);
    writeFileSync(file, b64, { mode: 0o600 });
    return `{ id = "${id}", key = { file = "${file}" } }`;
  });
  return {
    MEETFLOW_CODEC__ENABLED: 'true',
    MEETFLOW_CODEC__ENCRYPT_KEY_ID: `"${encryptKeyId}"`,
    MEETFLOW_CODEC__KEYS: `[${entries.join(', ')}]`,
  };
}

