// Moves keyboard and screen-reader focus to a new screen's heading, so keyboard users start where the content starts.
export function focusOnMount(node: HTMLElement): void {
  queueMicrotask(() => node.focus({ preventScroll: false }));
}
