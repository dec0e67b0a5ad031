// Which `ORB_PARAM_*` variables a command's runtime reads, found statically from its entry file.
// The walk starts at the entry's top-level code (and the top-level code of the modules it imports from
// src/), enters every runtime function that is called, with the parameter names its arguments carry
// (so `stringParam(raw, env, 'role-arn')` reaches `paramEnvName(param)` with 'role-arn'), and records a
// read wherever an `ORB_PARAM_` name is built (`ORB_PARAM_${...}`, 'ORB_PARAM_' + x) or accessed
// (`raw.ORB_PARAM_X`, `raw['ORB_PARAM_X']`). A name it cannot know statically is "cannot check".
// `if (process.env.X === 'v')` takes the branch the run step's own `environment:` selects (the
// documented switch of a runtime shared by two commands, e.g. AWS_OIDC_STEP).
import ts from 'typescript';
import { evalName, frameKey, unknownAt, type Frames, type NameValue } from './name-eval.ts';
import { calleeOf, constructorOf, functionOfSymbol, importedModules, isNamedFunction, locate, type FunctionWithBody, type RuntimeProgram } from './runtime-program.ts';

/** One `ORB_PARAM_*` variable the runtime reads, and where. */
export interface ParamRead {
  envName: string;
  where: string;
}

/** A place whose parameter name the check cannot know, so it cannot check the wiring there. */
export interface UncheckedRead {
  where: string;
  message: string;
}

/** Everything the walk found for one entry and one step environment. */
export interface RuntimeReads {
  reads: ParamRead[];
  unchecked: UncheckedRead[];
}

const PREFIX = 'ORB_PARAM_';
const ENV_NAME = /^ORB_PARAM_[A-Z0-9_]+$/;

interface Walk {
  rt: RuntimeProgram;
  stepEnv: Readonly<Record<string, string>>;
  out: RuntimeReads;
  seen: Set<string>;
  ids: Map<ts.Node, number>;
}

function record(w: Walk, value: NameValue): void {
  if ('unknown' in value) {
    const where = locate(w.rt, value.unknown);
    if (!w.out.unchecked.some((u) => u.where === where)) {
      w.out.unchecked.push({ where, message: `cannot check: an ORB_PARAM_ name is made from '${value.unknown.getText()}', which ${value.why}; write the parameter name as a string literal` });
    }
    return;
  }
  for (const n of value.names) {
    if (ENV_NAME.test(n.text)) w.out.reads.push({ envName: n.text, where: locate(w.rt, n.origin) });
    else w.out.unchecked.push({ where: locate(w.rt, n.origin), message: `cannot check: builds '${n.text}', which is not an ORB_PARAM_<NAME> variable name` });
  }
}

/** The branch an `if (process.env.X === 'v')` takes for this step's environment, or undefined for any other `if`. */
function envBranch(w: Walk, stmt: ts.IfStatement): ts.Statement | null | undefined {
  const c = stmt.expression;
  if (!ts.isBinaryExpression(c)) return undefined;
  const op = c.operatorToken.kind;
  const equal = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
  if (!equal && op !== ts.SyntaxKind.ExclamationEqualsEqualsToken && op !== ts.SyntaxKind.ExclamationEqualsToken) return undefined;
  const [access, literal] = ts.isStringLiteral(c.left) ? [c.right, c.left] : [c.left, c.right];
  if (!ts.isStringLiteral(literal) || !ts.isPropertyAccessExpression(access)) return undefined;
  const env = access.expression;
  if (!ts.isPropertyAccessExpression(env) || env.name.text !== 'env' || !ts.isIdentifier(env.expression) || env.expression.text !== 'process') return undefined;
  const matches = w.stepEnv[access.name.text] === literal.text;
  return (equal ? matches : !matches) ? stmt.thenStatement : (stmt.elseStatement ?? null);
}

function enter(w: Walk, fn: FunctionWithBody, frames: Frames, values: readonly (NameValue | undefined)[]): void {
  // Keep the frames of the functions that lexically enclose fn (its closures read their parameters).
  const next = new Map<ts.Node, readonly (NameValue | undefined)[]>();
  for (const [f, v] of frames) if (fn.pos >= f.pos && fn.end <= f.end && fn.getSourceFile() === f.getSourceFile()) next.set(f, v);
  next.set(fn, values);
  const id = w.ids.get(fn) ?? w.ids.size;
  w.ids.set(fn, id);
  const key = `${id}:${[...next.values()].map(frameKey).join(';')}`;
  if (w.seen.has(key)) return;
  w.seen.add(key);
  for (const p of fn.parameters) if (p.initializer) walk(w, p.initializer, next);
  walk(w, fn.body, next);
}

function argumentValues(w: Walk, call: ts.CallExpression | ts.NewExpression, fn: FunctionWithBody, frames: Frames): (NameValue | undefined)[] {
  const ctx = { checker: w.rt.checker, frames };
  const args = call.arguments ?? ts.factory.createNodeArray<ts.Expression>();
  const spread = args.findIndex((a) => ts.isSpreadElement(a));
  return fn.parameters.map((p, i) => {
    if (p.dotDotDotToken || (spread !== -1 && i >= spread)) return unknownAt(call, 'passes it through a spread or rest argument');
    const arg = args[i];
    if (arg) return evalName(arg, ctx);
    return p.initializer ? evalName(p.initializer, { checker: w.rt.checker, frames: new Map() }) : undefined;
  });
}

function onCall(w: Walk, call: ts.CallExpression | ts.NewExpression, frames: Frames): void {
  const fn = ts.isCallExpression(call) ? calleeOf(w.rt, call) : constructorOf(w.rt, call);
  if (fn) enter(w, fn, frames, argumentValues(w, call, fn, frames));
}

function onAccess(w: Walk, node: ts.ElementAccessExpression | ts.PropertyAccessExpression, frames: Frames): void {
  if (ts.isPropertyAccessExpression(node)) {
    if (node.name.text.startsWith(PREFIX)) record(w, { names: [{ text: node.name.text, origin: node.name }] });
    return;
  }
  const key = node.argumentExpression;
  if (ts.isCallExpression(key) && calleeOf(w.rt, key)) return; // the callee builds the name; the walk enters it
  const value = evalName(key, { checker: w.rt.checker, frames });
  if (!('unknown' in value) && value.names.every((n) => !n.text.startsWith(PREFIX))) return;
  const obj = node.expression;
  const decl = ts.isIdentifier(obj) ? w.rt.checker.getSymbolAtLocation(obj)?.valueDeclaration : undefined;
  const raw = decl && ts.isParameter(decl) && decl.type?.getText() === 'RawParams';
  if (raw || !('unknown' in value)) record(w, value);
}

function builtName(node: ts.Node): boolean {
  if (ts.isTemplateExpression(node)) return node.head.text.startsWith(PREFIX);
  return ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken
    && (ts.isStringLiteral(node.left) || ts.isNoSubstitutionTemplateLiteral(node.left)) && node.left.text.startsWith(PREFIX);
}

/** An identifier that is an expression's value: not a callee, a member name or a declared name. */
function usedAsValue(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isCallExpression(p) && p.expression === id) || (ts.isPropertyAccessExpression(p) && p.name === id)) return false;
  return !((ts.isVariableDeclaration(p) || ts.isFunctionDeclaration(p) || ts.isParameter(p) || ts.isPropertyAssignment(p)
    || ts.isMethodDeclaration(p) || ts.isBindingElement(p)) && p.name === id);
}

function walk(w: Walk, node: ts.Node, frames: Frames): void {
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n) || ts.isTypeNode(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) return;
    if (ts.isFunctionLike(n) && 'body' in n) {
      if (isNamedFunction(n) || !n.body) return;
      // An anonymous function (a callback): its own parameters carry no known names.
      const own = new Map(frames);
      own.set(n, n.parameters.map((p) => unknownAt(p.name, 'is a parameter of a callback')));
      for (const p of n.parameters) if (p.initializer) walk(w, p.initializer, own);
      walk(w, n.body, own);
      return;
    }
    if (ts.isIfStatement(n)) {
      const branch = envBranch(w, n);
      if (branch !== undefined) {
        if (branch) visit(branch);
        return;
      }
    }
    if (builtName(n)) record(w, evalName(n as ts.Expression, { checker: w.rt.checker, frames }));
    else if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) onAccess(w, n, frames);
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) onCall(w, n, frames);
    else if (ts.isIdentifier(n) && usedAsValue(n)) {
      // A runtime function passed as a value (e.g. a callback): enter it with unknown parameters.
      const fn = functionOfSymbol(w.rt, w.rt.checker.getSymbolAtLocation(n));
      if (fn) enter(w, fn, frames, fn.parameters.map((p) => unknownAt(p.name, 'is a parameter of a function used as a value')));
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
}

/** Walks an entry file for one step: the `ORB_PARAM_*` variables it reads, and what it cannot check. */
export function readsOfEntry(rt: RuntimeProgram, entry: ts.SourceFile, stepEnv: Readonly<Record<string, string>>): RuntimeReads {
  const w: Walk = { rt, stepEnv, out: { reads: [], unchecked: [] }, seen: new Set(), ids: new Map() };
  const modules = [entry];
  for (let i = 0; i < modules.length; i += 1) {
    const sf = modules[i] as ts.SourceFile;
    for (const m of importedModules(rt, sf)) if (!modules.includes(m)) modules.push(m);
    walk(w, sf, new Map());
  }
  return w.out;
}
