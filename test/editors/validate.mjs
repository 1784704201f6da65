// Validates YAML files as an editor does: yaml-language-server (the engine of
// the YAML extensions of VS Code, Neovim and others) reads each file's
// "# yaml-language-server: $schema=URL" modeline and validates against that
// schema. The URL is served from the local schema file, never fetched.
//
//   node validate.mjs SCHEMA.json FILE...
//
// Prints one JSON line per file: {"file", "diagnostics": [{"line", "message"}],
// "hovers": {"<line>": "<hover text at the line's key>"}}.
import fs from 'node:fs';
import path from 'node:path';
import { getLanguageService } from 'yaml-language-server/lib/umd/languageservice/yamlLanguageService.js';
import { TextDocument } from 'vscode-languageserver-textdocument';

const [schemaFile, ...files] = process.argv.slice(2);
const schema = fs.readFileSync(schemaFile, 'utf8');
const id = JSON.parse(schema).$id;

const ls = getLanguageService({
  schemaRequestService: async (uri) => {
    if (uri === id) return schema;
    throw new Error(`not served in this test: ${uri}`);
  },
  workspaceContext: { resolveRelativePath: (rel, resource) => new URL(rel, resource).toString() },
});
ls.configure({ validate: true, hover: true, completion: true, schemas: [] });

for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  const doc = TextDocument.create('file://' + path.resolve(f), 'yaml', 1, text);
  const diagnostics = await ls.doValidation(doc, false);
  const hovers = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)[A-Za-z][-\w]*:/.exec(lines[i]);
    if (!m) continue;
    const h = await ls.doHover(doc, { line: i, character: m[1].length + 1 });
    if (h && h.contents) hovers[i + 1] = typeof h.contents === 'string' ? h.contents : h.contents.value;
  }
  console.log(JSON.stringify({
    file: f,
    diagnostics: diagnostics.map((d) => ({ line: d.range.start.line + 1, message: d.message })),
    hovers,
  }));
}
