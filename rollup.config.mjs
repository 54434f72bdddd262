// Builds the isomorphic library (ESM + CommonJS + one bundled .d.ts) and the Node-only CLI.
// The WebAssembly is already inside the sources as base64 (scripts/embed-wasm.mjs), so no plugin
// has to know about .wasm files and consumers' bundlers do not either.
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const ts = () =>
  typescript({
    tsconfig: './tsconfig.build.json',
    noEmitOnError: true,
  });

export default [
  {
    input: 'src/index.ts',
    output: [
      { file: 'dist/index.js', format: 'esm', sourcemap: true },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
    ],
    plugins: [ts()],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.d.ts', format: 'esm' },
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
  },
  {
    input: 'src/cli/main.ts',
    // The CLI imports the library by its package name (a self-reference resolved through the
    // exports map), so it runs the built package rather than a second copy bundled into it.
    external: (id) => id.startsWith('node:') || id === 'wirekit',
    output: { file: 'dist/cli.js', format: 'esm', sourcemap: true },
    plugins: [ts()],
  },
];
