// A tiny element builder: text is always set as text (never parsed as HTML).

type Child = Node | string | null | undefined | false;

/** Attributes: strings set as attributes, booleans add/remove them, functions `on…` become listeners. */
export type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** Creates `<tag>` with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends children, skipping empty ones; strings become text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** The element with `id`, of the given class; throws when the page lacks it (a build mistake). */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`dashboard: #${id} is missing`);
  return el;
}

/** `12:03:04` in the browser's locale. */
export function timeText(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}
