// Type-checks the TypeScript examples of README.md against the built package (imported by its
// own name, `@meetflow/client`, as a user's code does), so the copy-paste example cannot rot.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.readme-check');
const blocks = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
if (blocks.length === 0) throw new Error('README.md has no ```ts example');

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
// `export {}` makes each block a module, where top-level await is allowed.
blocks.forEach((code, i) => writeFileSync(join(out, `example-${i + 1}.ts`), `${code}\nexport {};\n`));
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '.' }, include: ['*.ts'] }),
);
try {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(out, 'tsconfig.json')], { stdio: 'inherit' });
  console.log(`README.md: ${blocks.length} TypeScript example(s) type-check`);
} catch {
  console.error('README.md: a TypeScript example does not type-check (see above; .readme-check/ holds it)');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
