/**
 * `farcall ls --long`: one line per method, a signature written from what `$farcall.describe`
 * says (parameter names, and JSON Schema types where the method has schemas):
 * `add(x: number, y: number): number`, `get(id: integer): object  throws NotFoundError`. The
 * description comes from the server, so the rendering is bounded in depth and width whatever
 * it holds.
 */

/** Nested types past this depth print as `…`. */
const MAX_DEPTH = 4;
/** Members of a union, tuple or object past this count print as `…`. */
const MAX_MEMBERS = 8;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A method's line: name, parameters (typed where its input schema says), result, errors. */
export function describeLine(info: unknown): string {
  if (!isObject(info) || typeof info.name !== 'string')
    return '(a description farcall cannot read)';
  const params = Array.isArray(info.params) ? info.params.map(String) : [];
  const input = isObject(info.input) ? info.input : undefined;
  let line = `${info.name}(${parameters(params, input)})`;
  if (isObject(info.output)) line += `: ${typeText(info.output, 0)}`;
  if (info.kwargs === true) line += '  (takes keyword arguments)';
  const errors = Array.isArray(info.errors)
    ? info.errors.filter(isObject).map((e) => String(e.name))
    : [];
  if (errors.length > 0) line += `  throws ${list(errors, ', ')}`;
  if (typeof info.validator === 'string' && !input) line += `  (validated by ${info.validator})`;
  return line;
}

/** `x: number, y?: string, ...rest: boolean[]`, or the bare names without a schema. */
function parameters(names: readonly string[], input: Json | undefined): string {
  if (!input) return list(names, ', ');
  const items = Array.isArray(input.prefixItems) ? input.prefixItems : [];
  const required = typeof input.minItems === 'number' ? input.minItems : items.length;
  const parts = items.map((item, i) => {
    const name = names[i] ?? `arg${i}`;
    return `${name}${i >= required ? '?' : ''}: ${typeText(item, 1)}`;
  });
  if (isObject(input.items)) {
    parts.push(`...${names[items.length] ?? 'rest'}: ${typeText(input.items, 1)}[]`);
  }
  return list(parts, ', ');
}

/** A JSON Schema as a short type: `number`, `string | null`, `{ id: integer, tags?: string[] }`. */
export function typeText(schema: unknown, depth: number): string {
  if (!isObject(schema)) return schema === false ? 'never' : 'unknown';
  if (depth > MAX_DEPTH) return '…';
  const next = depth + 1;
  if ('const' in schema) return JSON.stringify(schema.const) ?? 'unknown';
  if (Array.isArray(schema.enum))
    return list(
      schema.enum.map((v) => JSON.stringify(v)),
      ' | ',
    );
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union))
    return list(
      union.map((s) => typeText(s, next)),
      ' | ',
    );
  const type = schema.type;
  if (Array.isArray(type))
    return list(
      type.map((t) => typeText({ ...schema, type: t }, next)),
      ' | ',
    );
  switch (type) {
    case 'array': {
      if (Array.isArray(schema.prefixItems)) {
        return `[${list(
          schema.prefixItems.map((s) => typeText(s, next)),
          ', ',
        )}]`;
      }
      const item = typeText(schema.items, next);
      return item.includes(' ') ? `(${item})[]` : `${item}[]`;
    }
    case 'object': {
      if (!isObject(schema.properties)) return 'object';
      const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
      const fields = Object.entries(schema.properties).map(
        ([key, value]) => `${key}${required.has(key) ? '' : '?'}: ${typeText(value, next)}`,
      );
      return fields.length === 0 ? '{}' : `{ ${list(fields, ', ')} }`;
    }
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return type;
    default:
      return 'unknown';
  }
}

function list(items: readonly string[], separator: string): string {
  const shown = items.slice(0, MAX_MEMBERS);
  if (items.length > MAX_MEMBERS) shown.push('…');
  return shown.join(separator);
}
