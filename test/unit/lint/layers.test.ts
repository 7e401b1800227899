import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';
import { layerConfig } from '../../../eslint.config.js';

const fixtures = path.resolve(import.meta.dirname, '../../fixtures/layers/src');

async function lint(rel: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: fixtures, overrideConfigFile: true, overrideConfig: [layerConfig], ignore: false });
  const [result] = await eslint.lintFiles([path.join(fixtures, rel)]);
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('layer rule: snom/ importing service/ fails lint', async () => {
  assert.deepEqual(await lint('snom/imports-service.ts'), [
    'layers/imports: src/snom may not import src/service (allowed: util)',
  ]);
});

test('layer rule: pure sip/ importing node:dgram fails lint', async () => {
  assert.deepEqual(await lint('sip/imports-dgram.ts'), [
    'layers/imports: src/sip is pure and may not import node:dgram; inject the I/O instead',
  ]);
});

test('layer rule: api/ re-exporting cli/ fails lint', async () => {
  assert.deepEqual(await lint('api/imports-cli.ts'), [
    'layers/imports: src/api may not import src/cli (allowed: util, service)',
  ]);
});

test('layer rule: downward imports pass', async () => {
  assert.deepEqual(await lint('sip/transaction/imports-sip-util.ts'), []);
});
