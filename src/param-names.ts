/**
 * The parameter names of a function, read from its source, for `$farcall.describe` (and the
 * playground, `rpc.discover`, `system.methodSignature`): `(a, b = 2, ...rest)` gives
 * `['a', 'b', 'rest']`; a destructured parameter is named by its position (`arg1`). Best
 * effort: a name it cannot read is positional, never wrong. Never throws.
 */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return [];
  }
  const list = parameterList(source);
  if (list === undefined) return [];
  return splitTopLevel(list).map((part, index) => {
    const name = /^\s*(?:\.\.\.)?\s*([A-Za-z_$][\w$]*)/.exec(stripComments(part))?.[1];
    return name ?? `arg${index}`;
  });
}

/** The text between the parameter list's parentheses, or a single arrow parameter. */
function parameterList(source: string): string | undefined {
  const start = source.indexOf('(');
  const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow && (start < 0 || start > arrow.index + arrow[0].length)) return arrow[1];
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return source.slice(start + 1, i);
    } else if (c === '"' || c === "'" || c === '`') {
      const end = source.indexOf(c, i + 1);
      if (end < 0) return undefined;
      i = end;
    }
  }
  return undefined;
}

function splitTopLevel(list: string): string[] {
  if (list.trim() === '') return [];
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(from, i));
      from = i + 1;
    }
  }
  const last = list.slice(from);
  if (last.trim() !== '') parts.push(last);
  return parts;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}
