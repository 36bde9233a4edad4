// The user's choices kept in this browser: notifications (off until asked for) and sound (off).

import { signal, effect } from "@preact/signals";

export interface Prefs {
  notify: boolean;
  sound: boolean;
}

const key = "confab.prefs";

function load(): Prefs {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? "{}") as Partial<Prefs>;
    return { notify: value.notify === true, sound: value.sound === true };
  } catch {
    return { notify: false, sound: false };
  }
}

export const prefs = signal<Prefs>(load());

effect(() => {
  localStorage.setItem(key, JSON.stringify(prefs.value));
});
