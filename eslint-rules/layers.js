// ESLint rule `layers/imports`: enforces the import directions of ../shared/DESIGN.md between src/ folders.
import path from 'node:path';

/** Which src/ folders each src/ folder may import (a folder may always import itself). */
export const ALLOWED = {
  util: [],
  snom: ['util'],
  sip: ['util'],
  'sip/transaction': ['util', 'sip'],
  'sip/transport': ['util', 'sip'],
  registrar: ['util', 'sip'],
  phone: ['util', 'snom'],
  esl: ['util', 'snom'],
  store: ['util', 'snom', 'sip', 'registrar'],
  service: ['util', 'snom', 'sip', 'sip/transaction', 'sip/transport', 'registrar', 'phone', 'esl', 'store'],
  api: ['util', 'service'],
  cli: ['util', 'service'],
  sim: ['util', 'snom', 'sip', 'sip/transaction', 'sip/transport'],
  '': null, // src/index.ts and src/main.ts: the composition roots may import anything
};

/** Node built-ins that pure layers must not touch (DESIGN.md: I/O is injected). */
const IO_MODULES = ['dgram', 'net', 'tls', 'http', 'https', 'http2', 'fs', 'fs/promises', 'child_process'];
const PURE_LAYERS = new Set(['util', 'snom', 'sip', 'sip/transaction']);

const LAYERS = Object.keys(ALLOWED).filter((l) => l !== '').sort((a, b) => b.length - a.length);

/** The layer of a path below a `src` folder, or undefined when the path is not under one. */
export function layerOf(file) {
  const parts = file.split(path.sep).join('/').split('/');
  const src = parts.lastIndexOf('src');
  if (src < 0) return undefined;
  const rel = parts.slice(src + 1, -1).join('/');
  return LAYERS.find((l) => rel === l || rel.startsWith(`${l}/`)) ?? '';
}

function srcRootOf(file) {
  const parts = file.split(path.sep).join('/').split('/');
  return parts.slice(0, parts.lastIndexOf('src') + 1).join('/');
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports between src/ folders point downward only (DESIGN.md)' },
    schema: [],
    messages: {
      upward: "src/{{from}} may not import src/{{to}} (allowed: {{allowed}})",
      io: "src/{{from}} is pure and may not import node:{{mod}}; inject the I/O instead",
    },
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (from === undefined) return {};
    const srcRoot = srcRootOf(file);
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
      if (PURE_LAYERS.has(from) && IO_MODULES.includes(bare)) {
        context.report({ node, messageId: 'io', data: { from, mod: bare } });
        return;
      }
      if (!spec.startsWith('.')) return;
      const target = path.posix.join(path.posix.dirname(file.split(path.sep).join('/')), spec);
      if (!target.startsWith(`${srcRoot}/`)) return;
      const to = layerOf(target);
      const allowed = ALLOWED[from];
      if (allowed === null || to === from || allowed.includes(to)) return;
      context.report({
        node,
        messageId: 'upward',
        data: { from, to: to === '' ? '(root)' : to, allowed: allowed.length ? allowed.join(', ') : 'none' },
      });
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

export default { rules: { imports: rule } };
