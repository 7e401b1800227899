// Bundles the dashboard (dashboard/) with esbuild into dist/dashboard/: index.html, app.js, app.css.
// `npm run build:dashboard`; also run by `npm run build` and `prepare` (so `npm ci` leaves it built).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Where the bundle goes by default (what src/api/routes-dashboard.ts serves). */
export const DASHBOARD_OUT_DIR = path.join(ROOT, 'dist', 'dashboard');

/** Options of buildDashboard. */
export interface BuildDashboardOptions {
  /** Output folder; default dist/dashboard. Emptied first. */
  readonly outDir?: string;
  /** Minify app.js and app.css; default true. */
  readonly minify?: boolean;
}

function version(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Builds the dashboard; resolves with the files written (names relative to outDir). */
export async function buildDashboard(options: BuildDashboardOptions = {}): Promise<string[]> {
  const outDir = options.outDir ?? DASHBOARD_OUT_DIR;
  const minify = options.minify ?? true;
  const src = path.join(ROOT, 'dashboard');
  const result = await build({
    entryPoints: { app: path.join(src, 'main.ts'), style: path.join(src, 'app.css') },
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    platform: 'browser',
    minify,
    sourcemap: 'linked',
    legalComments: 'none',
    tsconfig: path.join(src, 'tsconfig.json'),
    write: false,
    outdir: outDir,
    logLevel: 'silent',
  });
  const byName = new Map(result.outputFiles.map((f) => [path.basename(f.path), f.contents]));
  const js = byName.get('app.js');
  const css = byName.get('style.css');
  const map = byName.get('app.js.map');
  if (js === undefined || css === undefined) throw new Error('esbuild produced no app.js or style.css');
  const html = readFileSync(path.join(src, 'index.html'), 'utf8')
    .replace('__JS_VERSION__', version(js))
    .replace('__CSS_VERSION__', version(css));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files: [string, string | Uint8Array][] = [['index.html', html], ['app.js', js], ['app.css', css]];
  if (map !== undefined) files.push(['app.js.map', map]);
  for (const [name, content] of files) writeFileSync(path.join(outDir, name), content);
  return files.map(([name]) => name);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outDir = process.argv[2] === undefined ? DASHBOARD_OUT_DIR : path.resolve(process.argv[2]);
  try {
    const files = await buildDashboard({ outDir });
    console.log(`dashboard built: ${files.join(', ')} in ${path.relative(process.cwd(), outDir) || '.'}`);
  } catch (e) {
    console.error(`build-dashboard: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
