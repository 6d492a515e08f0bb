/** Cycles inside a package; `tsc -b` project references already reject cycles between packages. */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other at run time load in an order nobody chose.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    // Type-only imports vanish at compile time and cannot form a load-order cycle.
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.check.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
