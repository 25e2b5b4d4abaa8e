// Makes `npx maflow` run this checkout's CLI. npm links a package's `bin` into the projects that depend on it, never
// into the package's own checkout, so in a fresh clone `npx maflow` found no local command, installed the checkout
// into npx's cache (running its install script: a second native build of ~90 s) and only then ran. Run by `npm install`
// / `npm ci` of the checkout itself (INIT_CWD is the package root); as a dependency of another project it does nothing
// (npm links the bin there). Never fails the install.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
if (path.resolve(process.env.INIT_CWD ?? '') === root) {
  try {
    const binDir = path.join(root, 'node_modules', '.bin');
    const link = path.join(binDir, 'maflow');
    fs.mkdirSync(binDir, { recursive: true });
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.relative(binDir, path.join(root, 'bin', 'maflow.js')), link);
  } catch (error) {
    console.warn(`maflow: could not link node_modules/.bin/maflow (${error.message}); run the CLI as node bin/maflow.js`);
  }
}
