// Generates src/gen/ from ../../proto/meetflow/v1/*.proto with protoc and protoc-gen-es (both
// pinned: protoc by scripts/setup.sh, the plugin by package-lock.json). `json_types=true` adds a
// `…Json` type per message: the proto3 JSON shape the worker reads and writes, which is what
// travels in Temporal payloads. src/gen/ is not committed; `npm run build` makes it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoRoot = join(root, '..', '..', 'proto');
const out = join(root, 'src', 'gen');
const files = readdirSync(join(protoRoot, 'meetflow', 'v1'))
  .filter((f) => f.endsWith('.proto'))
  .map((f) => `meetflow/v1/${f}`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(
  'protoc',
  [
    `--plugin=protoc-gen-es=${join(root, 'node_modules', '.bin', 'protoc-gen-es')}`,
    `--es_out=${out}`,
    '--es_opt=target=ts,json_types=true,import_extension=js',
    `-I${protoRoot}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
