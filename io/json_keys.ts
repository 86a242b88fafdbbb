/**
 * A duplicate-key check over JSON text. `JSON.parse` silently keeps the last
 * of two equal keys, so a header could hide a tensor entry; this scan finds
 * the first key that repeats inside one object.
 *
 * @module
 */

/**
 * The first key that appears twice in one object of `text` (which must be
 * valid JSON), or `undefined` when every object's keys are distinct.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { duplicateKey } from "./json_keys.ts";
 * assert.equal(duplicateKey('{"a": {"b": 1, "b": 2}}'), "b");
 * assert.equal(duplicateKey('{"a": 1, "b": ["a", "a"]}'), undefined);
 * ```
 */
export const duplicateKey = (text: string): string | undefined => {
  // One entry per open container: a key set for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
      expectKey = false;
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
};
