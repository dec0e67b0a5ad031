// Static values of parameter-name expressions in the runtime's TypeScript, for the wiring check (WIRE rules).
// A name is known when it is a string literal, a const initialised with one, a parameter of a function
// entered with known arguments, a loop variable or `.map`/`.forEach` callback parameter over an array
// literal of names, or a few string operations on those (template, `+`, `||`, `?:`,
// toUpperCase/toLowerCase/trim/replace/replaceAll). Anything else is unknown, and says where it came from.
import ts from 'typescript';

/** One possible value of a name expression, with the node that wrote it (for locations). */
export interface NamePart {
  text: string;
  origin: ts.Node;
}

/** The possible values of an expression, or why they cannot be known statically. */
export type NameValue = { names: NamePart[] } | { unknown: ts.Node; why: string };

/** The argument values of the functions being walked, by function node (undefined: argument absent). */
export type Frames = ReadonlyMap<ts.Node, readonly (NameValue | undefined)[]>;

/** What evaluation needs: the checker (to resolve identifiers) and the frames of the enclosing calls. */
export interface EvalContext {
  checker: ts.TypeChecker;
  frames: Frames;
}

const MAX_VALUES = 64;
const STRING_METHODS = new Set(['toUpperCase', 'toLowerCase', 'trim', 'replace', 'replaceAll']);

/** An unknown value that points at the node responsible. */
export function unknownAt(node: ts.Node, why: string): NameValue {
  return { unknown: node, why };
}

/** Joins every value of a with every value of b; the origin is the part written elsewhere, not a fragment of `self`. */
function combine(a: NameValue, b: NameValue, self: ts.Node): NameValue {
  if ('unknown' in a) return a;
  if ('unknown' in b) return b;
  const fragment = (n: ts.Node) => n === self || n.parent === self;
  const out: NamePart[] = [];
  for (const x of a.names) {
    for (const y of b.names) out.push({ text: x.text + y.text, origin: fragment(x.origin) && !fragment(y.origin) ? y.origin : x.origin });
  }
  return out.length > MAX_VALUES ? unknownAt(a.names[0]?.origin ?? b.names[0]!.origin, 'has too many possible values') : { names: out };
}

function union(a: NameValue, b: NameValue): NameValue {
  if ('unknown' in a) return a;
  if ('unknown' in b) return b;
  return { names: [...a.names, ...b.names] };
}

function regexOf(node: ts.Expression): RegExp | null {
  if (!ts.isRegularExpressionLiteral(node)) return null;
  const m = /^\/(.*)\/([a-z]*)$/s.exec(node.text);
  return m ? new RegExp(m[1] ?? '', m[2] ?? '') : null;
}

function stringMethod(call: ts.CallExpression, callee: ts.PropertyAccessExpression, ctx: EvalContext): NameValue {
  const method = callee.name.text;
  const receiver = evalName(callee.expression, ctx);
  if ('unknown' in receiver) return receiver;
  if (method === 'toUpperCase' || method === 'toLowerCase' || method === 'trim') {
    return { names: receiver.names.map((n) => ({ text: n.text[method](), origin: n.origin })) };
  }
  const [patternNode, withNode] = call.arguments;
  const replacement = withNode ? evalName(withNode, ctx) : unknownAt(call, 'replace() without a replacement');
  const pattern = patternNode ? (regexOf(patternNode) ?? evalName(patternNode, ctx)) : null;
  if (pattern === null || 'unknown' in replacement || replacement.names.length !== 1) return unknownAt(call, `${method}() with arguments the check cannot evaluate`);
  if (!(pattern instanceof RegExp) && ('unknown' in pattern || pattern.names.length !== 1)) return unknownAt(call, `${method}() with a pattern the check cannot evaluate`);
  const find = pattern instanceof RegExp ? pattern : (pattern.names[0]?.text ?? '');
  const by = replacement.names[0]?.text ?? '';
  return { names: receiver.names.map((n) => ({ text: method === 'replace' ? n.text.replace(find, by) : n.text.replaceAll(find, by), origin: n.origin })) };
}

const ITERATING = new Set(['map', 'forEach', 'flatMap', 'filter', 'some', 'every', 'find']);

/** The elements of an array literal (directly, or through a const), as the values of one name. */
function arrayValues(expr: ts.Expression, ctx: EvalContext, depth: number): NameValue {
  let e = expr;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  if (ts.isIdentifier(e) && depth < 8) {
    const decl = ctx.checker.getSymbolAtLocation(e)?.valueDeclaration;
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && (decl.parent.flags & ts.NodeFlags.Const) !== 0) return arrayValues(decl.initializer, ctx, depth + 1);
  }
  if (!ts.isArrayLiteralExpression(e) || e.elements.length === 0) return unknownAt(expr, 'is not an array literal of names');
  return e.elements.map((el) => (ts.isSpreadElement(el) ? unknownAt(el, 'is a spread') : evalAt(el, ctx, depth + 1))).reduce(union);
}

/** The values of a loop variable or an iteration callback's first parameter, when it walks an array literal. */
function iterationValues(decl: ts.Declaration, ctx: EvalContext, depth: number): NameValue | null {
  if (ts.isVariableDeclaration(decl) && ts.isVariableDeclarationList(decl.parent) && (decl.parent.flags & ts.NodeFlags.Const) !== 0 && ts.isForOfStatement(decl.parent.parent)) {
    return arrayValues(decl.parent.parent.expression, ctx, depth);
  }
  const fn = decl.parent;
  if (!ts.isParameter(decl) || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || fn.parameters[0] !== decl) return null;
  const call = fn.parent;
  if (!ts.isCallExpression(call) || call.arguments[0] !== fn || !ts.isPropertyAccessExpression(call.expression) || !ITERATING.has(call.expression.name.text)) return null;
  const values = arrayValues(call.expression.expression, ctx, depth);
  return 'unknown' in values ? null : values;
}

function identifierValue(id: ts.Identifier, ctx: EvalContext, depth: number): NameValue {
  const decl = ctx.checker.getSymbolAtLocation(id)?.valueDeclaration;
  const iterated = decl ? iterationValues(decl, ctx, depth) : null;
  if (iterated) return iterated;
  if (decl && ts.isParameter(decl)) {
    const fn = decl.parent;
    const frame = ctx.frames.get(fn);
    if (!frame) return unknownAt(id, 'is a parameter of a function that is not called here with known arguments');
    const value = frame[fn.parameters.indexOf(decl)];
    return value ?? unknownAt(id, 'is a parameter that no argument gives a value');
  }
  if (decl && ts.isVariableDeclaration(decl) && decl.initializer && depth < 8
    && ts.isVariableDeclarationList(decl.parent) && (decl.parent.flags & ts.NodeFlags.Const) !== 0) {
    return evalAt(decl.initializer, ctx, depth + 1);
  }
  return unknownAt(id, 'is not a string literal, a const holding one, or a parameter given one');
}

function evalAt(expr: ts.Expression, ctx: EvalContext, depth: number): NameValue {
  let e = expr;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { names: [{ text: e.text, origin: e }] };
  if (ts.isIdentifier(e)) return identifierValue(e, ctx, depth);
  if (ts.isConditionalExpression(e)) return union(evalAt(e.whenTrue, ctx, depth), evalAt(e.whenFalse, ctx, depth));
  if (ts.isTemplateExpression(e)) {
    let value: NameValue = { names: [{ text: e.head.text, origin: e }] };
    for (const span of e.templateSpans) {
      value = combine(value, evalAt(span.expression, ctx, depth), e);
      value = combine(value, { names: [{ text: span.literal.text, origin: e }] }, e);
    }
    return value;
  }
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.PlusToken) return combine(evalAt(e.left, ctx, depth), evalAt(e.right, ctx, depth), e);
    if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) return union(evalAt(e.left, ctx, depth), evalAt(e.right, ctx, depth));
  }
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && STRING_METHODS.has(e.expression.name.text)) {
    return stringMethod(e, e.expression, ctx);
  }
  return unknownAt(e, 'is not a string literal');
}

/** The possible values of a parameter-name expression in the given frames. */
export function evalName(expr: ts.Expression, ctx: EvalContext): NameValue {
  return evalAt(expr, ctx, 0);
}

/** A stable key for a frame's values, to walk a function once per distinct set of known arguments. */
export function frameKey(values: readonly (NameValue | undefined)[]): string {
  return values.map((v) => (v === undefined ? '-' : 'unknown' in v ? `?${v.unknown.getSourceFile().fileName}:${v.unknown.pos}` : v.names.map((n) => n.text).join('|'))).join(',');
}
