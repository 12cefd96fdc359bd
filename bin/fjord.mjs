#!/usr/bin/env node
// fjord's executable. The sources are TypeScript run by Node's type stripping (Node 22.18+);
// `npm ci` puts Node 24 in node_modules/.bin, which npm scripts and npx put first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`fjord needs Node.js 22.18 or newer (this is ${process.version}); run it through npm (npm start, npx fjord) after npm ci.\n`);
  process.exit(1);
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
