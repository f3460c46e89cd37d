/**
 * The playground's script: it connects to the endpoint that served the page (same origin, same
 * path; over WebSocket when the page's `farcall-socket` meta tag says that path takes upgrades),
 * lists the methods from `$farcall.describe`, and calls them; a stream's items show as they come. Built by esbuild into
 * `dist/playground/page.js`; its import of `../browser.js` becomes the browser bundle, fetched
 * by URL from the same server.
 *
 * Everything shown is set with `textContent` or attributes, never `innerHTML`: method names,
 * values and error messages come from the server and must not become markup. The authkey, when
 * the server asks for one, lives in this script's memory only: never stored, never put in a URL
 * or a copied command.
 */
import { AuthenticationError, close, connect, invoke, RemoteError } from '../browser.js';
import { callCommand, formatValue, parseArguments } from './format.js';

interface MethodInfo {
  name: string;
  params: string[];
  kwargs: boolean;
  /** JSON Schema of the argument array and of the result, for `method({ input, output })`. */
  input?: JsonSchema;
  output?: JsonSchema;
}

type JsonSchema = Record<string, unknown>;

interface Entry {
  method: string;
  args: unknown[];
}

const endpoint = `${location.origin}${location.pathname}`;
/**
 * Where calls go: the same path over WebSocket when the server says it takes upgrades there
 * (streams travel, and their items show as they arrive), else the HTTP endpoint itself.
 */
const callUrl = document.querySelector('meta[name="farcall-socket"]')
  ? `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${location.pathname}`
  : endpoint;
/** Items kept on the page per stream; the count goes on past it. */
const MAX_SHOWN_ITEMS = 1000;
let remote: unknown;
let needsKey = false;
let methods: MethodInfo[] = [];
let selected: MethodInfo | undefined;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

const $ = (id: string) => document.getElementById(id)!;

// The call panel: built once, filled as a method is picked.
const title = el('h2', { id: 'call-title' }, 'Pick a method');
const signature = el('p', { class: 'signature' });
const argsField = el('textarea', {
  id: 'arguments',
  rows: '4',
  spellcheck: 'false',
  autocomplete: 'off',
  'aria-describedby': 'arguments-help arguments-error',
});
argsField.value = '[]';
const argsError = el('p', { id: 'arguments-error', class: 'error', 'aria-live': 'polite' });
/** The form built from a method's input schema, and its schemas; empty without one. */
const schemaBox = el('div', { class: 'schema' });
const callButton = el('button', { type: 'button', class: 'primary' }, 'Call');
const copyButton = el('button', { type: 'button' }, 'Copy as command');
const command = el('p', { class: 'command', hidden: '' });
const resultBody = el('div', { id: 'result-body', 'aria-live': 'polite' });
const resultMeta = el('p', { class: 'meta' });
const result = el(
  'section',
  { class: 'result', 'aria-labelledby': 'result-title' },
  el('h2', { id: 'result-title' }, 'Result'),
  resultMeta,
  resultBody,
);

function buildCallPanel(): void {
  $('call').append(
    title,
    signature,
    schemaBox,
    el('label', { for: 'arguments' }, 'Arguments'),
    argsField,
    el(
      'p',
      { id: 'arguments-help', class: 'help' },
      'A JSON array of the arguments, like [2, 3]. Ctrl+Enter calls.',
    ),
    argsError,
    el('div', { class: 'actions' }, callButton, copyButton),
    command,
    result,
  );
  argsField.addEventListener('input', checkArguments);
  argsField.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!callButton.disabled) callButton.click();
    }
  });
  callButton.addEventListener('click', () => {
    const parsed = parseArguments(argsField.value);
    if (selected && 'args' in parsed) void run({ method: selected.name, args: parsed.args });
  });
  copyButton.addEventListener('click', () => {
    const parsed = parseArguments(argsField.value);
    if (selected && 'args' in parsed) copy(callCommand(endpoint, selected.name, parsed.args));
  });
  checkArguments();
}

function checkArguments(): void {
  const parsed = parseArguments(argsField.value);
  const error = 'error' in parsed ? parsed.error : '';
  argsError.textContent = error;
  argsField.setAttribute('aria-invalid', String(error !== ''));
  callButton.disabled = error !== '' || !selected;
  copyButton.disabled = callButton.disabled;
}

function pick(method: MethodInfo, button: HTMLButtonElement): void {
  selected = method;
  for (const other of document.querySelectorAll('.method[aria-pressed]')) {
    other.setAttribute('aria-pressed', 'false');
  }
  button.setAttribute('aria-pressed', 'true');
  title.textContent = method.name;
  signature.textContent = `${method.name}(${method.params.join(', ')})${method.kwargs ? ' — takes keyword arguments' : ''}`;
  renderSchema(method);
  checkArguments();
  argsField.focus();
}

/** One form field per argument of an input schema's `prefixItems`; JSON where no simpler fits. */
interface FormField {
  read(): unknown;
  node: HTMLElement;
}

function fieldFor(schema: JsonSchema, id: string, label: string, onChange: () => void): FormField {
  const type = schema.type;
  const choices = Array.isArray(schema.enum) ? schema.enum : undefined;
  const labelled = (input: HTMLElement) =>
    el('div', { class: 'field' }, el('label', { for: id }, label), input);
  if (choices?.every((c) => typeof c === 'string')) {
    const select = el('select', { id });
    for (const choice of choices as string[]) select.append(el('option', {}, choice));
    select.addEventListener('change', onChange);
    return { node: labelled(select), read: () => select.value };
  }
  if (type === 'boolean') {
    const box = el('input', { id, type: 'checkbox' });
    box.addEventListener('change', onChange);
    return { node: labelled(box), read: () => box.checked };
  }
  const input = el('input', { id, autocomplete: 'off', spellcheck: 'false' });
  input.addEventListener('input', onChange);
  if (type === 'number' || type === 'integer') {
    input.type = 'number';
    if (type === 'integer') input.step = '1';
    return { node: labelled(input), read: () => (input.value === '' ? null : Number(input.value)) };
  }
  if (type === 'string') return { node: labelled(input), read: () => input.value };
  // Anything else is typed as JSON; what does not parse yet goes in as the text typed.
  input.placeholder = 'JSON';
  return {
    node: labelled(input),
    read: () => {
      try {
        return JSON.parse(input.value);
      } catch {
        return input.value;
      }
    },
  };
}

/** The method's schemas, and a form from its input schema that writes the Arguments field. */
function renderSchema(method: MethodInfo): void {
  schemaBox.replaceChildren();
  const items = method.input?.prefixItems;
  if (Array.isArray(items) && items.length > 0) {
    const fields: FormField[] = [];
    const write = () => {
      argsField.value = JSON.stringify(fields.map((f) => f.read()));
      checkArguments();
    };
    items.forEach((item, i) => {
      const schema = (typeof item === 'object' && item !== null ? item : {}) as JsonSchema;
      const name = method.params[i] ?? `argument ${i + 1}`;
      const kind = typeof schema.type === 'string' ? ` (${schema.type})` : '';
      fields.push(fieldFor(schema, `form-arg-${i}`, `${name}${kind}`, write));
    });
    schemaBox.append(
      el(
        'fieldset',
        { class: 'form' },
        el('legend', {}, 'From the input schema'),
        ...fields.map((f) => f.node),
      ),
    );
  }
  const shown: [string, JsonSchema | undefined][] = [
    ['Input schema', method.input],
    ['Output schema', method.output],
  ];
  for (const [name, schema] of shown) {
    if (!schema) continue;
    schemaBox.append(
      el('details', {}, el('summary', {}, name), el('pre', {}, JSON.stringify(schema, null, 2))),
    );
  }
}

/** The methods as a tree of namespaces: `math.mul` under `math`. */
function renderMethods(): void {
  const nav = $('methods');
  $('methods-status').textContent =
    methods.length === 0 ? 'This server has no methods.' : `${methods.length} methods`;
  nav.querySelector('ul')?.remove();
  type Node = { methods: MethodInfo[]; spaces: Map<string, Node> };
  const root: Node = { methods: [], spaces: new Map() };
  for (const method of methods) {
    const parts = method.name.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let child = node.spaces.get(part);
      if (!child) {
        child = { methods: [], spaces: new Map() };
        node.spaces.set(part, child);
      }
      node = child;
    }
    node.methods.push(method);
  }
  const list = (node: Node): HTMLUListElement => {
    const ul = el('ul');
    for (const method of node.methods) {
      const button = el('button', { type: 'button', class: 'method', 'aria-pressed': 'false' });
      button.textContent = method.name;
      button.addEventListener('click', () => pick(method, button));
      ul.append(
        el('li', {}, button, el('span', { class: 'params' }, `(${method.params.join(', ')})`)),
      );
    }
    for (const [name, child] of node.spaces) {
      const details = el('details', { open: '' }, el('summary', {}, name), list(child));
      ul.append(el('li', { class: 'space' }, details));
    }
    return ul;
  };
  nav.append(list(root));
}

function showValue(value: unknown): void {
  resultBody.replaceChildren(el('pre', { class: 'value' }, formatValue(value)));
}

function showError(error: unknown): void {
  const remoteError = error instanceof RemoteError ? error : undefined;
  const e = error instanceof Error ? error : new Error(String(error));
  const parts: (Node | string)[] = [
    el('p', { class: 'error-title' }, el('strong', {}, e.name), `: ${e.message}`),
  ];
  if (remoteError) {
    parts.push(el('p', { class: 'meta' }, `code ${remoteError.code}`));
    if (remoteError.data !== undefined) parts.push(el('pre', {}, formatValue(remoteError.data)));
    if (remoteError.remoteStack) parts.push(el('pre', { class: 'stack' }, remoteError.remoteStack));
  }
  resultBody.replaceChildren(el('div', { class: 'failure' }, ...parts));
}

async function run(entry: Entry): Promise<void> {
  callButton.disabled = true;
  resultMeta.textContent = `Calling ${entry.method}…`;
  const started = performance.now();
  let ok = true;
  let outcome: unknown;
  let streamed: string | undefined;
  try {
    outcome = await invoke(remote, entry.method, entry.args);
    if (isStream(outcome)) streamed = await showItems(entry.method, outcome);
  } catch (error) {
    ok = false;
    outcome = error;
  }
  const ms = performance.now() - started;
  const took = `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  resultMeta.textContent = `${entry.method} · ${took}`;
  // A stream's items are on the page already; an error mid-stream replaces them.
  if (!ok) showError(outcome);
  else if (streamed === undefined) showValue(outcome);
  const summary = !ok ? errorText(outcome) : (streamed ?? formatValue(outcome));
  remember(entry, summary, ok, took);
  checkArguments();
}

function isStream(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A stream result: each item appended as it arrives; resolves to a summary for the history. */
async function showItems(method: string, items: AsyncIterable<unknown>): Promise<string> {
  const list = el('ol', { class: 'items', 'aria-label': 'Stream items' });
  const count = el('p', { class: 'meta', role: 'status' }, 'stream: waiting for items…');
  resultBody.replaceChildren(count, list);
  let n = 0;
  for await (const item of items) {
    n++;
    if (n <= MAX_SHOWN_ITEMS) list.append(el('li', {}, el('pre', {}, formatValue(item))));
    count.textContent = `stream: ${n} item${n === 1 ? '' : 's'} so far`;
    resultMeta.textContent = `${method} · streaming…`;
  }
  count.textContent = `stream: ${n} item${n === 1 ? '' : 's'}, ended`;
  return `stream of ${n} item${n === 1 ? '' : 's'}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function remember(entry: Entry, summary: string, ok: boolean, took: string): void {
  const argsText = JSON.stringify(entry.args);
  const again = el(
    'button',
    { type: 'button', 'aria-label': `Run again: ${entry.method}` },
    'Run again',
  );
  again.addEventListener('click', () => {
    const method = methods.find((m) => m.name === entry.method);
    const button = [...document.querySelectorAll<HTMLButtonElement>('.method')].find(
      (b) => b.textContent === entry.method,
    );
    if (method && button) pick(method, button);
    argsField.value = argsText;
    checkArguments();
    void run(entry);
  });
  const copyIt = el(
    'button',
    { type: 'button', 'aria-label': `Copy as command: ${entry.method}` },
    'Copy',
  );
  copyIt.addEventListener('click', () => copy(callCommand(endpoint, entry.method, entry.args)));
  const short = summary.length > 120 ? `${summary.slice(0, 120)}…` : summary;
  const item = el(
    'li',
    { class: ok ? 'ok' : 'failed' },
    el('code', {}, `${entry.method}(${argsText.slice(1, -1)})`),
    el('span', { class: 'arrow' }, ' → '),
    el('span', { class: 'summary' }, short),
    el('span', { class: 'took' }, took),
    again,
    copyIt,
  );
  $('history-list').prepend(item);
}

function copy(text: string): void {
  command.hidden = false;
  const note = needsKey ? ' (set FARCALL_AUTHKEY to the key first)' : '';
  command.replaceChildren(el('code', {}, text), note);
  navigator.clipboard?.writeText(text).then(
    () => command.append(' — copied'),
    () => command.append(' — select it to copy'),
  );
}

/** Asks for the authkey; submitting it connects again with it. */
function askForKey(message: string): void {
  const box = $('auth');
  box.hidden = false;
  const field = el('input', { id: 'authkey', type: 'password', autocomplete: 'off' });
  const form = el(
    'form',
    {},
    el('p', {}, message),
    el('label', { for: 'authkey' }, 'Authkey'),
    field,
    el('button', { type: 'submit', class: 'primary' }, 'Unlock'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void start(field.value);
  });
  box.replaceChildren(form);
  field.focus();
}

async function start(authkey?: string): Promise<void> {
  $('endpoint').textContent = `Calling ${endpoint}`;
  try {
    const next = await connect(callUrl, authkey ? { authkey } : {});
    const described = (await invoke(next, '$farcall.describe')) as MethodInfo[];
    if (remote) void close(remote);
    remote = next;
    needsKey = authkey !== undefined;
    methods = described;
    $('auth').hidden = true;
    $('auth').replaceChildren();
    renderMethods();
  } catch (error) {
    if (error instanceof AuthenticationError) {
      askForKey(
        authkey === undefined
          ? 'This server needs its authkey. It stays in this page’s memory only.'
          : 'That key was refused. Try again.',
      );
      return;
    }
    $('methods-status').textContent = `Cannot reach the server: ${errorText(error)}`;
  }
}

buildCallPanel();
void start();
