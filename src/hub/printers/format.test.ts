import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capList, formatLabelSelector, formatLabels, selectorString } from './format.js';

describe('label and selector formatting', () => {
  it('sorts label maps and shows <none> when empty', () => {
    assert.equal(formatLabels({ tier: 'web', app: 'shop' }), 'app=shop,tier=web');
    assert.equal(formatLabels(undefined), '<none>');
  });

  it('renders selectors in selector syntax, sorted by key', () => {
    assert.equal(
      selectorString({
        matchLabels: { zone: 'a', app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'NotIn', values: ['dev', 'ci'] },
          { key: 'beta', operator: 'Exists' },
          { key: 'old', operator: 'DoesNotExist' },
        ],
      }),
      'app=web,beta,env notin (ci,dev),!old,zone=a',
    );
    assert.equal(selectorString({}), '');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt' }] }), '<error>');
  });

  it('caps long lists at three', () => {
    assert.equal(capList([]), '');
    assert.equal(capList(['a', 'b', 'c']), 'a,b,c');
    assert.equal(capList(['a', 'b', 'c', 'd', 'e']), 'a,b,c + 2 more...');
  });
});
