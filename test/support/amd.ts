// Loads an AMD module of the control-panel UI in node, resolving its relative dependencies;
// the control panel's own modules (dojo/…, aps/…) come from `platform` when a test gives them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function loadAmd<T>(
  file: string,
  globals: Record<string, unknown> = {},
  platform: Record<string, unknown> = {},
): T {
  let deps: string[] = [];
  let factory: (...args: unknown[]) => unknown = () => undefined;
  const define = (d: string[], f: typeof factory) => {
    deps = d;
    factory = f;
  };
  const names = Object.keys(globals);
  new Function('define', ...names, readFileSync(file, 'utf8'))(define, ...names.map((n) => globals[n]));
  const resolved = deps.map((d) => {
    if (d in platform) return platform[d];
    if (!d.startsWith('.')) throw new Error(`${file}: non-relative dependency ${d} is not loadable in tests`);
    return loadAmd(join(dirname(file), `${d}.js`), globals, platform);
  });
  return factory(...resolved) as T;
}
