// The runtime's TypeScript as the wiring check reads it: one compiler program over every .ts file under
// <project>/src (the orb's YAML under src/orb is not code), and the helpers that resolve a call or a
// reference to the function it runs. Only declarations inside src/ are followed; libraries are not.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** A compiled view of the runtime sources, rooted at `<project>/src`. */
export interface RuntimeProgram {
  projectRoot: string;
  srcRoot: string;
  program: ts.Program;
  checker: ts.TypeChecker;
}

/** A function-like node that has a body the walk can enter. */
export type FunctionWithBody = ts.FunctionLikeDeclaration & { body: ts.Node };

function tsFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) tsFiles(full, out);
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Compiles every .ts file under `<projectRoot>/src` without following imports out of it (fast: no libraries). */
export function loadRuntime(projectRoot: string): RuntimeProgram {
  const root = path.resolve(projectRoot);
  const srcRoot = path.join(root, 'src');
  const program = ts.createProgram(tsFiles(srcRoot), {
    noResolve: true, noLib: true, types: [], noEmit: true, allowImportingTsExtensions: true,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  });
  return { projectRoot: root, srcRoot, program, checker: program.getTypeChecker() };
}

/** True when a node's file is part of the runtime sources (under src/). */
export function inRuntime(rt: RuntimeProgram, node: ts.Node): boolean {
  return path.resolve(node.getSourceFile().fileName).startsWith(rt.srcRoot + path.sep);
}

/** `file:line` of a node, the file relative to the project root. */
export function locate(rt: RuntimeProgram, node: ts.Node): string {
  const sf = node.getSourceFile();
  const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  return `${path.relative(rt.projectRoot, sf.fileName).split(path.sep).join('/')}:${line}`;
}

function withBody(node: ts.Node | undefined): FunctionWithBody | undefined {
  if (!node) return undefined;
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && node.body) {
    return node as FunctionWithBody;
  }
  return undefined;
}

/** The function a symbol names, when it is declared in the runtime sources with a body. */
export function functionOfSymbol(rt: RuntimeProgram, symbol: ts.Symbol | undefined): FunctionWithBody | undefined {
  let s = symbol;
  if (s && s.flags & ts.SymbolFlags.Alias) s = rt.checker.getAliasedSymbol(s);
  for (const decl of s?.declarations ?? []) {
    if (!inRuntime(rt, decl)) continue;
    const fn = withBody(decl) ?? ((ts.isVariableDeclaration(decl) || ts.isPropertyAssignment(decl)) ? withBody(decl.initializer) : undefined);
    if (fn) return fn;
  }
  return undefined;
}

/** The runtime function a call runs (`f(...)`, `obj.f(...)`), if the checker can tell. */
export function calleeOf(rt: RuntimeProgram, call: ts.CallExpression): FunctionWithBody | undefined {
  let e: ts.Expression = call.expression;
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  const at = ts.isPropertyAccessExpression(e) ? e.name : e;
  return functionOfSymbol(rt, rt.checker.getSymbolAtLocation(at));
}

/** The constructor a `new C(...)` runs, when C is a class of the runtime sources with one. */
export function constructorOf(rt: RuntimeProgram, expr: ts.NewExpression): FunctionWithBody | undefined {
  let s = rt.checker.getSymbolAtLocation(expr.expression);
  if (s && s.flags & ts.SymbolFlags.Alias) s = rt.checker.getAliasedSymbol(s);
  const cls = s?.declarations?.find((d) => ts.isClassDeclaration(d) && inRuntime(rt, d)) as ts.ClassDeclaration | undefined;
  const ctor = cls?.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
  return ctor as FunctionWithBody | undefined;
}

/** A function that has a name of its own (declaration, `const f = () => ...`, method): entered only when called or referenced. */
export function isNamedFunction(node: ts.Node): boolean {
  if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node)) return true;
  return (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(node.parent);
}

/** The source files a module imports from the runtime sources (static imports and re-exports). */
export function importedModules(rt: RuntimeProgram, sf: ts.SourceFile): ts.SourceFile[] {
  const out: ts.SourceFile[] = [];
  for (const stmt of sf.statements) {
    if (!(ts.isImportDeclaration(stmt) || ts.isExportDeclaration(stmt)) || !stmt.moduleSpecifier) continue;
    if (ts.isImportDeclaration(stmt) && stmt.importClause?.isTypeOnly) continue;
    const decl = rt.checker.getSymbolAtLocation(stmt.moduleSpecifier)?.valueDeclaration;
    if (decl && ts.isSourceFile(decl) && inRuntime(rt, decl)) out.push(decl);
  }
  return out;
}
