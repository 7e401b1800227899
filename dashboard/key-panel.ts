// Draws a phone's function keys like a Snom's: LED (colour + blink, also in words), label, action, delivery.
import type { KeyStatusView } from './api-types.js';
import { h } from './dom.js';
import { deliverySummary, functionKeyOf, keySlots, type KeySlot } from './key-slots.js';
import { ledLook, ledText } from './leds.js';

/** What the panel's buttons do. */
export interface KeyPanelActions {
  readonly edit: (slot: KeySlot) => void;
  readonly press: (functionKey: string) => void;
}

/** The key panel (`<ol>`) for a phone's key statuses. */
export function renderKeyPanel(keys: readonly KeyStatusView[], actions: KeyPanelActions): HTMLOListElement {
  const list = h('ol', { class: 'keys', 'aria-label': 'Function keys' });
  for (const slot of keySlots(keys)) list.append(renderKey(slot, actions));
  return list;
}

function renderKey(slot: KeySlot, actions: KeyPanelActions): HTMLLIElement {
  const state = slot.status?.desired.state;
  const look = ledLook(state?.light, state?.colour);
  const fkey = functionKeyOf(slot.key);
  const summary = slot.status === undefined ? undefined : deliverySummary(slot.status);
  const label = state?.label === undefined || state.label === '' ? '' : state.label;
  const action = state === undefined ? undefined
    : `${state.action ?? 'invite'}${state.number === undefined ? ' (no number: does nothing)' : ` ${state.number}`}`;
  return h('li', { class: `key${state === undefined ? ' key-unset' : ''}`, 'data-key': slot.key, 'data-light': state?.light ?? 'off' },
    h('div', { class: 'key-face' },
      h('span', { class: `led led-${look.colour} blink-${look.blink}`, 'aria-hidden': 'true' }),
      h('span', { class: 'key-name' }, fkey ?? `key ${slot.key}`),
      h('span', { class: 'key-label' }, state === undefined ? 'not set' : label === '' ? '(no label)' : label)),
    h('p', { class: 'led-text' }, state === undefined ? `key ${slot.key}: no desired state` : `key ${slot.key} · ${ledText(state.light, state.colour)}`),
    action === undefined ? null : h('p', { class: 'key-action' }, `Action: ${action}`),
    summary === undefined ? null : h('p', { class: `delivery delivery-${summary.state}` }, summary.text),
    h('div', { class: 'key-buttons' },
      h('button', { type: 'button', 'aria-label': `Edit key ${slot.key}`, onclick: () => actions.edit(slot) }, 'Edit'),
      fkey === undefined ? null : h('button', { type: 'button', 'aria-label': `Press ${fkey} on the phone`, onclick: () => actions.press(fkey) }, 'Press')));
}
