// `import text from './file?raw'`: the file's text, inlined by esbuild (scripts/bundle.ts) and by Vite in the tests.
declare module '*?raw' {
  const text: string;
  export default text;
}
