/** What an element can hold: nodes and text; empty values are skipped so conditions read inline. */
export type Child = Node | string | undefined | false;

/**
 * Creates an element with attributes and children: the console's whole rendering toolkit, small
 * enough that views read as plain DOM code.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

/** A view the console shows under one tab; started when shown, stopped when hidden. */
export interface View {
  readonly element: HTMLElement;
  start(): void;
  stop(): void;
}
