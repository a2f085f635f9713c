import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from './decode.js';
import { encodeMessage, type ProtoMessage } from './encode.js';
import { MESSAGES } from './messages.js';

/** "0a 03 32 2e 30" -> bytes; comments after # and line breaks are ignored. */
function hex(text: string): Buffer {
  const digits = text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join(' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return Buffer.from(digits.map((d) => Number.parseInt(d, 16)));
}

const ascii = (s: string) => [...Buffer.from(s)].map((b) => b.toString(16).padStart(2, '0')).join(' ');

/** A tiny document: swagger, info and one definition with a property and a vendor extension. */
const TINY: ProtoMessage = {
  swagger: '2.0',
  info: { title: 'T', version: 'v1' },
  definitions: {
    additionalProperties: [
      {
        name: 'A',
        value: {
          type: { value: ['object'] },
          properties: {
            additionalProperties: [{ name: 'n', value: { minimum: 1, type: { value: ['integer'] } } }],
          },
          vendorExtension: [{ name: 'x-k', value: { yaml: 'v\n' } }],
        },
      },
    ],
  },
};

// Worked out by hand from the field numbers of openapi_v2 (tag = number << 3 | wire type).
const TINY_BYTES = hex(`
  0a 03 ${ascii('2.0')}                   # Document.swagger (1, LEN)
  12 07                                   # Document.info (2, LEN), 7 bytes
    0a 01 ${ascii('T')}                   #   Info.title (1)
    12 02 ${ascii('v1')}                  #   Info.version (2)
  4a 3f                                   # Document.definitions (9, LEN), 63 bytes
    0a 3d                                 #   Definitions.additional_properties (1), 61 bytes
      0a 01 ${ascii('A')}                 #     NamedSchema.name
      12 38                               #     NamedSchema.value, 56 bytes
        b2 01 08                          #       Schema.type (22), 8 bytes
          0a 06 ${ascii('object')}        #         TypeItem.value
        ca 01 1c                          #       Schema.properties (25), 28 bytes
          0a 1a                           #         Properties.additional_properties (1), 26 bytes
            0a 01 ${ascii('n')}           #           NamedSchema.name
            12 15                         #           NamedSchema.value, 21 bytes
              49 00 00 00 00 00 00 f0 3f  #             Schema.minimum (9, I64) = 1.0, before type
              b2 01 09                    #             Schema.type (22), 9 bytes
                0a 07 ${ascii('integer')} #               TypeItem.value
        fa 01 0b                          #       Schema.vendor_extension (31), 11 bytes
          0a 03 ${ascii('x-k')}           #         NamedAny.name
          12 04                           #         NamedAny.value: Any, 4 bytes
            12 02 ${ascii('v\n')}         #           Any.yaml (2)
`);

describe('openapi_v2 encoder', () => {
  it('writes a tiny document byte for byte as worked out by hand', () => {
    assert.deepEqual(encodeMessage('Document', TINY), TINY_BYTES);
  });

  it('decodes the hand-built bytes back into the same value', () => {
    assert.deepEqual(decodeMessage('Document', TINY_BYTES), TINY);
  });

  it('writes a two-byte length when a nested message is 128 bytes or more', () => {
    const description = 'a'.repeat(200);
    const expected = Buffer.concat([
      hex('12 cb 01'), // Document.info, 203 bytes
      hex('1a c8 01'), // Info.description (3), 200 bytes
      Buffer.from(description),
    ]);
    assert.deepEqual(encodeMessage('Document', { info: { description } }), expected);
  });

  it('keeps a false oneof member and drops proto3 zero values elsewhere', () => {
    const schema: ProtoMessage = {
      description: '',
      minimum: 0,
      uniqueItems: false,
      required: [],
      additionalProperties: { boolean: false },
    };
    // Only Schema.additional_properties (21) with AdditionalPropertiesItem.boolean (2) = false.
    assert.deepEqual(encodeMessage('Schema', schema), hex('aa 01 02 10 00'));
  });

  it('writes an empty sub-message, so a present but empty properties stays present', () => {
    assert.deepEqual(encodeMessage('Schema', { properties: {} }), hex('ca 01 00'));
    assert.deepEqual(decodeMessage('Schema', hex('ca 01 00')), { properties: {} });
  });

  it('writes negative int64 values as ten bytes and doubles little-endian', () => {
    assert.deepEqual(
      encodeMessage('Schema', { minLength: -1, maximum: -2.5 }),
      hex('39 00 00 00 00 00 00 04 c0   60 ff ff ff ff ff ff ff ff ff 01'),
    );
    assert.deepEqual(decodeMessage('Schema', encodeMessage('Schema', { minLength: -1, maximum: -2.5 })), {
      minLength: -1,
      maximum: -2.5,
    });
  });

  it('encodes multi-byte UTF-8 text with its byte length', () => {
    const bytes = encodeMessage('Info', { title: 'é€' });
    assert.deepEqual(bytes, hex(`0a 05 ${ascii('é€')}`));
    assert.deepEqual(decodeMessage('Info', bytes), { title: 'é€' });
  });

  it('refuses fields the message does not have and values of the wrong type', () => {
    assert.throws(() => encodeMessage('Info', { titel: 'x' }), /Info has no field "titel"/);
    assert.throws(() => encodeMessage('Info', { title: 3 }), /Info\.title: expected a string/);
    assert.throws(() => encodeMessage('Schema', { required: 'name' }), /expected a list/);
    assert.throws(() => encodeMessage('Schema', { maxLength: 1.5 }), /expected an integer/);
  });

  it('skips fields it does not know when decoding', () => {
    // Document.host (3) is in the table; field 99 is not.
    const bytes = Buffer.concat([
      hex(`9a 06 01 ${ascii('x')}`),
      encodeMessage('Document', { swagger: '2.0' }),
    ]);
    assert.deepEqual(decodeMessage('Document', bytes), { swagger: '2.0' });
  });

  it('has a consistent table: unique numbers per message, every message type defined', () => {
    for (const message of MESSAGES.values()) {
      assert.equal(message.byName.size, message.byNumber.size, message.name);
    }
    assert.equal(MESSAGES.get('Schema')?.byName.get('vendorExtension')?.number, 31);
    assert.equal(MESSAGES.get('Operation')?.byName.get('parameters')?.number, 8);
    assert.equal(MESSAGES.get('PathItem')?.byName.get('patch')?.number, 8);
  });
});
