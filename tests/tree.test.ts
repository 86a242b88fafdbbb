import { assert, describe, fc, it } from "./lib/test.ts";
import { tensor } from "../core/creation.ts";
import { TreeError } from "../core/errors.ts";
import type { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";
import type { Path, PathKey, Tree } from "../core/tree/mod.ts";
import { awkwardKeyArb, treeArb } from "../testing/arbitraries_tree.ts";

type Leaf = number | Tensor;

const leafArb: fc.Arbitrary<Leaf> = fc.oneof(
  fc.integer({ min: -100, max: 100 }),
  fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 3 }).map((xs) => tensor(xs)),
);
const anyTree = treeArb(leafArb, { maxDepth: 4, keys: awkwardKeyArb, nullPrototype: true });

// ---- helpers: exact comparison (key order, prototypes, leaf identity) ----

const kind = (x: unknown): string =>
  x === null || x === undefined
    ? String(x)
    : Array.isArray(x)
    ? "array"
    : tree.isPlainObject(x)
    ? Object.getPrototypeOf(x) === null ? "object(null)" : "object"
    : "leaf";

/** Asserts `a` and `b` are the same tree: same containers, key order, prototypes, identical leaves. */
const assertSame = (a: unknown, b: unknown, path: PathKey[] = []): void => {
  const where = tree.formatPath(path) || "root";
  assert.equal(kind(a), kind(b), `kinds differ at ${where}`);
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    assert.equal(a.length, bs.length, `lengths differ at ${where}`);
    a.forEach((x, i) => assertSame(x, bs[i], [...path, i]));
  } else if (tree.isPlainObject(a)) {
    const bo = b as Record<string, unknown>;
    assert.deepEqual(Object.keys(a), Object.keys(bo), `keys (or their order) differ at ${where}`);
    for (const k of Object.keys(a)) assertSame(a[k], bo[k], [...path, k]);
  } else assert.ok(Object.is(a, b), `leaves differ at ${where}`);
};

const defineKey = (o: Record<string, unknown>, k: string, v: unknown): void => {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
};

/** A copy of every container (same key order and prototype), sharing the leaves. */
const copyContainers = <T>(t: T, order: (keys: string[]) => string[] = (ks) => ks): T => {
  if (Array.isArray(t)) return t.map((x) => copyContainers(x, order)) as T;
  if (!tree.isPlainObject(t)) return t;
  const out: Record<string, unknown> = Object.getPrototypeOf(t) === null ? Object.create(null) : {};
  for (const k of order(Object.keys(t))) defineKey(out, k, copyContainers(t[k], order));
  return out as T;
};

/** The same tree with every object's keys inserted in reverse order. */
const reverseKeys = <T>(t: T): T => copyContainers(t, (ks) => ks.reverse());

const containers = (t: unknown, out = new Set<unknown>()): Set<unknown> => {
  if (Array.isArray(t)) {
    out.add(t);
    t.forEach((x) => containers(x, out));
  } else if (tree.isPlainObject(t)) {
    out.add(t);
    Object.values(t).forEach((x) => containers(x, out));
  }
  return out;
};

/** Every node's path, root first, in flatten order. */
const nodePaths = (t: unknown, path: PathKey[] = [], out: PathKey[][] = []): PathKey[][] => {
  out.push(path);
  if (Array.isArray(t)) t.forEach((x, i) => nodePaths(x, [...path, i], out));
  else if (tree.isPlainObject(t)) {
    for (const k of Object.keys(t).sort()) nodePaths(t[k], [...path, k], out);
  }
  return out;
};

const getAt = (t: unknown, path: Path): unknown =>
  path.reduce<unknown>((node, k) => (node as Record<PathKey, unknown>)[k], t);

/** `t` with the node at `path` replaced (copy on write). */
const setAt = (t: unknown, path: Path, value: unknown): unknown => {
  if (path.length === 0) return value;
  const [k, ...rest] = path;
  if (Array.isArray(t)) return t.map((x, i) => (i === k ? setAt(x, rest, value) : x));
  const o = t as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o)) defineKey(out, key, key === k ? setAt(o[key], rest, value) : o[key]);
  return out;
};

/** Structural edits of a node: each result differs in structure from `node` at the node itself. */
const editsOf = (node: unknown): unknown[] => {
  if (node === null || node === undefined) return [0, [], {}];
  if (Array.isArray(node)) return [[...node, 0], ...(node.length > 0 ? [node.slice(1)] : []), 0, null];
  if (tree.isPlainObject(node)) {
    const keys = Object.keys(node);
    const added = copyContainers(node);
    defineKey(added, `${keys.join("")}_new`, 0); // longer than any key, so new
    const removed: Record<string, unknown> = {};
    for (const k of keys.slice(1)) defineKey(removed, k, node[k]);
    return [added, ...(keys.length > 0 ? [removed] : []), 0, []];
  }
  return [null, {}, [], { x: node }, [node]];
};

const edit = (t: unknown, path: Path, n: number): unknown => {
  const edits = editsOf(getAt(t, path));
  return setAt(t, path, edits[n % edits.length]);
};

/** A tree together with one structural edit of one of its nodes. */
const editedTree = anyTree.chain((t) =>
  fc.tuple(fc.constantFrom(...nodePaths(t)), fc.nat()).map(([path, n]) => ({ t, path, edited: edit(t, path, n) }))
);

const isPrefix = (p: Path, q: Path): boolean => p.length <= q.length && p.every((k, i) => k === q[i]);

/** A tree edited at two places, neither inside the other; `first` is the earlier in flatten order. */
const twiceEditedTree = anyTree.chain((t) => {
  const at = nodePaths(t);
  return fc.tuple(fc.nat(at.length - 1), fc.nat(), fc.nat(), fc.nat()).map(([i, pick, m, n]) => {
    const apart = at.flatMap((q, j) => (isPrefix(at[i], q) || isPrefix(q, at[i]) ? [] : [j]));
    if (apart.length === 0) return undefined; // every node lies on the path through `at[i]`
    const j = apart[pick % apart.length];
    return { t, first: at[Math.min(i, j)], edited: edit(edit(reverseKeys(t), at[i], m), at[j], n) };
  });
});

class Pair {
  constructor(readonly a: unknown, readonly i: unknown) {}
}

const expectTreeError = (f: () => unknown, op: string, message: string): void =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TreeError, `expected a TreeError, got ${e}`);
    assert.equal(e.message, `${op}: ${message}`);
    return true;
  });

// ---- properties ----

describe("tree: flatten and unflatten", () => {
  it("unflatten(def, leaves(t)) rebuilds t exactly", () =>
    fc.assert(fc.property(anyTree, (t) => {
      const [ls, def] = tree.flatten<Leaf>(t);
      assert.equal(def.numLeaves, ls.length);
      assert.equal(tree.count(t), ls.length);
      const back = tree.unflatten(def, ls);
      assertSame(back, t);
      assert.deepStrictEqual(back, t);
      tree.leaves<Leaf>(t).forEach((l, i) => assert.ok(Object.is(l, ls[i])));
    })));

  it("unflatten with the wrong number of leaves is a TreeError", () =>
    fc.assert(fc.property(anyTree, fc.integer({ min: -2, max: 2 }).filter((d) => d !== 0), (t, d) => {
      const [ls, def] = tree.flatten<Leaf>(t);
      const wrong = d > 0 ? [...ls, ...Array(d).fill(0)] : ls.slice(0, ls.length + d);
      if (wrong.length === ls.length) return; // fewer than zero leaves cannot be passed
      assert.throws(() => tree.unflatten(def, wrong), TreeError);
    })));

  it("flattenWithPath pairs each leaf with the path that reaches it", () =>
    fc.assert(fc.property(anyTree, (t) => {
      const pairs = tree.flattenWithPath<Leaf>(t);
      assert.deepEqual(pairs.map(([p]) => p), tree.paths(t));
      pairs.forEach(([p, l]) => assert.ok(Object.is(getAt(t, p), l)));
      assert.equal(pairs.length, tree.count(t));
    })));

  it("reduce folds the leaves in flatten order", () =>
    fc.assert(fc.property(anyTree, (t) => {
      assert.deepEqual(tree.reduce((acc: Leaf[], l: Leaf) => [...acc, l], t, []), tree.leaves<Leaf>(t));
    })));
});

describe("tree: map", () => {
  it("map(identity) equals its input and builds fresh containers", () =>
    fc.assert(fc.property(anyTree, (t) => {
      const out = tree.map((x: Leaf) => x, t);
      assertSame(out, t);
      const mine = containers(t);
      for (const c of containers(out)) assert.ok(!mine.has(c), "a container of the input was reused");
    })));

  it("map never mutates its inputs", () =>
    fc.assert(fc.property(anyTree, (t) => {
      const before = copyContainers(t);
      const other = reverseKeys(t);
      const otherBefore = copyContainers(other);
      tree.map((x: Leaf) => (typeof x === "number" ? x + 1 : x), t);
      tree.map((_x: Leaf, y: Leaf) => y, t, other);
      tree.mapWithPath((_p, x: Leaf) => x, t, other);
      assertSame(t, before);
      assertSame(other, otherBefore);
    })));

  it("multi-tree map pairs the leaves at the same position, whatever the key order", () =>
    fc.assert(fc.property(anyTree, (t) => {
      const [ls, def] = tree.flatten<Leaf>(t);
      const index = reverseKeys(tree.unflatten(def, ls.map((_, i) => i)));
      const paired = tree.map((a: unknown, i: unknown, j: unknown) => new Pair(a, [i, j]), t, index, index);
      assertSame(
        tree.map((p: Pair) => p.a, paired),
        t,
      );
      tree.leaves<Pair>(paired).forEach((p, k) => {
        assert.ok(Object.is(p.a, ls[k]));
        assert.deepEqual(p.i, [k, k]);
      });
    })));

  it("f is called once per leaf, in flatten order, with the leaf's path", () =>
    fc.assert(fc.property(anyTree, (t) => {
      const seen: Path[] = [];
      tree.mapWithPath((p, l: Leaf) => {
        assert.ok(Object.is(getAt(t, p), l));
        seen.push(p);
        return l;
      }, t);
      assert.deepEqual(seen, tree.paths(t));
      const order: Leaf[] = [];
      tree.map((l: Leaf) => order.push(l), reverseKeys(t));
      assert.deepEqual(order, tree.leaves<Leaf>(t));
    })));
});

describe("tree: structure", () => {
  it("structureEqual is reflexive and ignores key order and leaf values", () =>
    fc.assert(fc.property(anyTree, (t) => {
      assert.ok(tree.structureEqual(t, t));
      const r = reverseKeys(t);
      assert.ok(tree.structureEqual(t, r));
      assert.ok(tree.structureEqual(t, tree.map(() => "other", r)));
      assert.ok(tree.structure(t).equals(tree.structure(r)));
      assert.equal(tree.structure(t).toString(), tree.structure(r).toString());
      tree.assertStructureEqual("test", r, t);
    })));

  it("one structural edit makes trees unequal, and the error names where", () =>
    fc.assert(fc.property(editedTree, ({ t, path, edited }) => {
      const where = path.length === 0 ? "root" : tree.formatPath(path);
      assert.ok(!tree.structureEqual(t, edited));
      assert.ok(!tree.structureEqual(edited, t));
      assert.ok(!tree.structure(t).equals(tree.structure(edited)));
      assert.deepEqual(tree.firstDifference(t, edited)?.path, path);
      assert.throws(() => tree.assertStructureEqual("test", t, edited), (e: unknown) => {
        assert.ok(e instanceof TreeError);
        assert.ok(e.message.startsWith(`test: at ${where}: `), e.message);
        return true;
      });
      assert.throws(() => tree.map(() => 0, t, edited), (e: unknown) => {
        assert.ok(e instanceof TreeError);
        assert.ok(e.message.startsWith(`tree.map: at ${where}: `), e.message);
        return true;
      });
    })));

  it("with two edits, the error names the one first in flatten order", () =>
    fc.assert(fc.property(twiceEditedTree, (c) => {
      if (c === undefined) return; // a tree with no two separate nodes
      const { t, first, edited } = c;
      assert.deepEqual(tree.firstDifference(t, edited)?.path, first);
      assert.deepEqual(tree.firstDifference(edited, t)?.path, first);
      assert.throws(() => tree.map(() => 0, edited, t), (e: unknown) => {
        assert.ok(e instanceof TreeError);
        assert.ok(e.message.startsWith(`tree.map: at ${tree.formatPath(first) || "root"}: `), e.message);
        return true;
      });
    })));

  it("leaves and structure do not depend on key insertion order", () =>
    fc.assert(fc.property(anyTree, (t) => {
      const r = reverseKeys(t);
      const a = tree.leaves<Leaf>(t);
      const b = tree.leaves<Leaf>(r);
      assert.equal(a.length, b.length);
      a.forEach((l, i) => assert.ok(Object.is(l, b[i])));
      assert.deepEqual(tree.paths(t), tree.paths(r));
      // Rebuilding keeps the key order of the (first) tree given.
      assertSame(tree.map((x: Leaf) => x, r, t), r);
      assertSame(tree.unflatten(tree.structure(r), a), r);
    })));
});

describe("tree: filter, partition, combine", () => {
  it("partition then combine gives the tree back", () =>
    fc.assert(fc.property(anyTree, fc.func(fc.boolean()), (t, choose) => {
      const pred = (p: Path) => choose(tree.pathToString(p));
      const [selected, rest] = tree.partition(t, pred);
      assertSame(selected, tree.filter(t, pred));
      assertSame(rest, tree.filter(t, (p: Path) => !pred(p)));
      assert.equal(tree.count(selected) + tree.count(rest), tree.count(t));
      assert.deepEqual(tree.paths(selected), tree.paths(t).filter(pred));
      assertSame(tree.combine(selected, rest), t);
      assertSame(tree.combine(rest, selected), t);
      if (tree.count(selected) > 0) assert.throws(() => tree.combine(selected, selected), /a leaf in both trees/);
    })));

  it("combining a tree with an empty tree copies it", () =>
    fc.assert(fc.property(anyTree, (t) => {
      // Where both are empty, the first tree's empty value is kept.
      assertSame(tree.combine(t, null), t);
      assertSame(tree.combine(null, t), t === undefined ? null : t);
    })));
});

// ---- examples ----

describe("tree: examples", () => {
  it("error messages name the path where trees first differ", () => {
    expectTreeError(
      () =>
        tree.map(
          (a: number) => a,
          { params: { layers: [{ w: 1 }, { b: { w: 1, b: 2 } }] } },
          { params: { layers: [{ w: 1 }, { b: { w: 1 } }] } },
        ),
      "tree.map",
      "at params.layers[1].b: object keys differ (b, w vs w)",
    );
    expectTreeError(
      () => tree.map((a: number) => a, [1, 2, [3, 4, 5]], [1, 2, [3, 4]]),
      "tree.map",
      "at [2]: array lengths differ (3 vs 2)",
    );
    expectTreeError(() => tree.map((a: number) => a, { x: 1 }, { x: { y: 1 } }), "tree.map", "at x: leaf vs object");
    expectTreeError(
      () => tree.map((a: number) => a, [1], [1], [[1]]),
      "tree.map",
      "at [0]: leaf vs array (tree 0 vs tree 2)",
    );
    expectTreeError(() => tree.assertStructureEqual("sgd", 1, null), "sgd", "at root: leaf vs null");
    expectTreeError(
      () => tree.assertStructureEqual("sgd", { "a-b": [] }, { "a-b": {} }),
      "sgd",
      'at ["a-b"]: array vs object',
    );
    expectTreeError(
      () => tree.unflatten(tree.structure({ w: 1, b: 2 }), [1]),
      "tree.unflatten",
      "expected 2 leaves, got 1 (structure {b: *, w: *})",
    );
  });

  it("TreeDef prints leaves as * with keys sorted", () => {
    assert.equal(tree.structure({ w: 1, b: 2 }).toString(), "{b: *, w: *}");
    assert.equal(tree.structure([1, 2, { x: 3 }]).toString(), "[*, *, {x: *}]");
    assert.equal(tree.structure({ a: null, "a-b": [undefined] }).toString(), '{a: null, "a-b": [undefined]}');
    assert.equal(tree.structure(5).toString(), "*");
    assert.ok(Object.isFrozen(tree.structure({})));
  });

  it("tensors, class instances, typed arrays, functions and strings are leaves", () => {
    class Key {
      constructor(readonly words: readonly number[]) {}
    }
    const fn = () => 1;
    const t = { k: new Key([1, 2]), m: new Map([[1, 2]]), f: fn, s: "s", a: new Float32Array(2), x: tensor([1, 2]) };
    assert.equal(tree.count(t), 6);
    for (const l of tree.leaves<unknown>(t)) assert.ok(tree.isLeaf(l));
    const doubled = tree.map((x: Tensor) => tensor((x.toArray() as number[]).map((v) => 2 * v)), { w: tensor([1, 2]) });
    assert.deepEqual(doubled.w.toArray(), [2, 4]);
  });

  it("null and undefined are empty subtrees, kept by map and unflatten", () => {
    const t = { a: null, b: [undefined, 1], c: { d: null } };
    assert.deepEqual(tree.leaves<number>(t), [1]);
    assertSame(tree.map((x: number) => x * 10, t), { a: null, b: [undefined, 10], c: { d: null } });
    const [ls, def] = tree.flatten<number>(t);
    assertSame(tree.unflatten(def, ls), t);
    assert.ok(tree.structureEqual(null, undefined));
    assert.ok(tree.structureEqual({ a: null }, { a: undefined }));
    assert.ok(!tree.structureEqual({ a: null }, {}));
    assert.ok(!tree.structureEqual(null, {}));
    assert.equal(tree.count(null), 0);
    assert.equal(tree.map((x: number) => x, null), null);
    assert.equal(tree.map((x: number) => x, undefined, null), undefined);
    expectTreeError(() => tree.map((x: number) => x, { a: null }, { a: 1 }), "tree.map", "at a: null vs leaf");
  });

  it("combine rejects a leaf in both trees and differing containers", () => {
    const [sel, rest] = tree.partition({ a: 1, b: [2, 3], c: null }, (p) => p[0] === "b");
    assert.deepEqual(sel, { a: null, b: [2, 3], c: null });
    assert.deepEqual(rest, { a: 1, b: [null, null], c: null });
    assert.deepEqual(tree.combine(sel, rest), { a: 1, b: [2, 3], c: null });
    expectTreeError(() => tree.combine({ a: [1] }, { a: [1] }), "tree.combine", "at a[0]: a leaf in both trees");
    expectTreeError(() => tree.combine({ a: [1] }, { a: {} }), "tree.combine", "at a: array vs object");
    expectTreeError(() => tree.combine({ a: 1 }, { b: null }), "tree.combine", "at root: object keys differ (a vs b)");
    expectTreeError(() => tree.combine([null], [null, 1]), "tree.combine", "at root: array lengths differ (1 vs 2)");
  });

  it("paths read as dotted names and as JavaScript accesses", () => {
    const t: Tree<number> = { layers: [{ w: 1 }] };
    assert.deepEqual(tree.paths(t), [["layers", 0, "w"]]);
    assert.equal(tree.pathToString(["layers", 1, "w"]), "layers.1.w");
    assert.equal(tree.formatPath(["layers", 1, "w"]), "layers[1].w");
  });

  it("awkward keys are ordinary keys", () => {
    const t = JSON.parse('{"__proto__": {"constructor": 1}, "10": 2, "2": 3}');
    assert.deepEqual(tree.paths(t), [["10"], ["2"], ["__proto__", "constructor"]]);
    const out = tree.map((x: number) => x + 1, t);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ["2", "10", "__proto__"]);
    assert.deepEqual(tree.leaves<number>(out), [3, 4, 2]);
  });
});
