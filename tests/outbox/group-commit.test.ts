// groupCommit (group-commit.ts): the concurrent sends of a round, or the webhook deliveries of a moment, share their writes.
import { describe, expect, it } from "vitest";
import { groupCommit } from "~/.server/group-commit";

describe("groupCommit", () => {
  it("writes the calls of one turn together, and the calls made meanwhile with the next write", async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const write = groupCommit(async (items: number[]) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map((n) => n * 10);
    });
    const first = [write(1), write(2), write(3)];
    await new Promise((resolve) => setImmediate(resolve));
    const second = [write(4), write(5)];
    release();
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(writes).toEqual([[1, 2, 3], [4, 5]]);
  });

  it("writes each item of a failed shared write on its own, so only the bad one fails", async () => {
    const writes: string[][] = [];
    const write = groupCommit(async (items: string[]) => {
      writes.push(items);
      if (items.includes("bad")) throw new Error("constraint");
      return items.map((item) => item.toUpperCase());
    });
    const results = await Promise.allSettled([write("a"), write("bad"), write("c")]);
    expect(results).toEqual([
      { status: "fulfilled", value: "A" },
      { status: "rejected", reason: new Error("constraint") },
      { status: "fulfilled", value: "C" },
    ]);
    expect(writes).toEqual([["a", "bad", "c"], ["a"], ["bad"], ["c"]]);
  });

  it("takes at most maxItems per write; the rest wait for the next", async () => {
    const writes: number[][] = [];
    const write = groupCommit(async (items: number[]) => (writes.push(items), items), { maxItems: 2 });
    expect(await Promise.all([1, 2, 3, 4, 5].map(write))).toEqual([1, 2, 3, 4, 5]);
    expect(writes).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("with failTogether, a failed shared write fails every caller in it and is not tried item by item", async () => {
    const writes: string[][] = [];
    const write = groupCommit(
      async (items: string[]) => {
        writes.push(items);
        if (items.includes("bad")) throw new Error("database refused");
        return items;
      },
      { failTogether: true },
    );
    const results = await Promise.allSettled([write("a"), write("bad"), write("c")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(writes).toEqual([["a", "bad", "c"]]);
  });
});
