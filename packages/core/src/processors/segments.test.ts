import { describe, expect, it } from 'vitest';
import { fairShare } from './processor-group.js';
import { segmentCheckpointName, segmentOf } from './segments.js';

describe('segments', () => {
  it('put every aggregate in one segment, the same on every call and process', () => {
    // Fixed values: a change of the hash would move aggregates between segments.
    expect(segmentOf('account', 'a-1', 8)).toBe(segmentOf('account', 'a-1', 8));
    expect([0, 1, 2].map((i) => segmentOf('account', `a-${i}`, 1))).toEqual([0, 0, 0]);
    // FNV-1a of the single zero byte: 0x050c5d1f.
    expect(segmentOf('', '', 1 << 30)).toBe(0x050c5d1f % (1 << 30));
    expect(segmentOf('account', 'a-1', 8)).toBeGreaterThanOrEqual(0);
    expect(segmentOf('account', 'a-1', 8)).toBeLessThan(8);
  });

  it('tell apart domain and id splits that concatenate alike', () => {
    const hits = new Set<number>();
    for (let i = 0; i < 50; i++) {
      hits.add(segmentOf(`a${i}`, 'b', 1024) - segmentOf('a', `${i}b`, 1024));
    }
    expect(hits.size).toBeGreaterThan(1);
  });

  it('spread aggregates evenly', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8_000; i++) counts[segmentOf('account', `acc-${i}`, 8)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    for (const count of counts) expect(count).toBeLessThan(1_200);
  });

  it('hash multi-byte ids by their UTF-8 bytes', () => {
    expect(segmentOf('compte', 'é', 1024)).not.toBe(segmentOf('compte', 'e\u0301', 1024));
  });

  it('name one checkpoint per segment, the plain name for one segment', () => {
    expect(segmentCheckpointName('balances', { index: 0, count: 1 })).toBe('balances');
    expect(segmentCheckpointName('balances', { index: 3, count: 8 })).toBe('balances@3/8');
  });
});

describe('fair share', () => {
  it('split segments evenly over the live nodes, the first nodes taking the remainder', () => {
    const nodes = ['a', 'b', 'c'];
    expect(nodes.map((node) => fairShare(8, nodes, node))).toEqual([3, 3, 2]);
    expect(nodes.map((node) => fairShare(2, nodes, node))).toEqual([1, 1, 0]);
    expect(fairShare(8, ['a'], 'a')).toBe(8);
  });

  it('count a node missing from the heartbeat list as live', () => {
    expect(fairShare(8, ['a', 'c'], 'b')).toBe(3);
    expect(['a', 'c'].map((node) => fairShare(8, ['a', 'c'], node))).toEqual([4, 4]);
  });
});
