import { describe, expect, test } from '@jest/globals';
import { splitCanvasId } from '../../../src/connectors/push/canvas-ids.js';

describe('splitCanvasId', () => {
  test('a global id splits into shard × 10^13 + local id', () => {
    expect(splitCanvasId('21070000000000565')).toEqual({
      canvasGlobalId: '21070000000000565',
      canvasId: '565',
      shard: '2107',
    });
    expect(splitCanvasId('11210000013995723')).toEqual({
      canvasGlobalId: '11210000013995723',
      canvasId: '13995723',
      shard: '1121',
    });
  });

  test('a short id is already local; numbers are accepted when safe', () => {
    expect(splitCanvasId('1122')).toEqual({ canvasId: '1122' });
    expect(splitCanvasId(565)).toEqual({ canvasId: '565' });
  });

  test('the shard~local form gives the same pair', () => {
    expect(splitCanvasId('2107~565')).toEqual(splitCanvasId('21070000000000565'));
  });

  test('anything else gives no id', () => {
    for (const bad of ['', '0', '-5', '12a', '1.5', 2 ** 60, null, undefined, {}, '2107~0']) {
      expect(splitCanvasId(bad)).toEqual({});
    }
  });
});
