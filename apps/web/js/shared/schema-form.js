// An approval's form: its JSON Schema (an object schema) drawn as fields, one per top-level
// property, and the submitted fields read back as data typed by the schema. One renderer for the
// signed-link approval page (orchestrator, HTML) and the dashboard's inbox (DOM); both output a
// markup tree (tree.js). Field names are `f.<property>`; ids are `<idPrefix><property>`.

/** The properties of a form schema, and which are required. */
export function formProperties(form) {
  const properties = form && typeof form === 'object' && form.properties && typeof form.properties === 'object' ? form.properties : {};
  const required = new Set(Array.isArray(form?.required) ? form.required : []);
  return { properties: Object.entries(properties).filter(([, schema]) => schema && typeof schema === 'object'), required };
}

export const fieldName = (property) => `f.${property}`;
export const fieldId = (idPrefix, property) => `${idPrefix}${property.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * One `div.field` per property: label (title or name, `*` when required), the input the type asks
 * for (enum → select, boolean → checkbox, number/integer → number with min/max, string → text,
 * email or date, object/array → a JSON text area) and the description as help. `values` are the
 * fields as submitted (`f.<name>` → text), kept when the form is drawn again with its errors.
 */
export function formTree(form, { values = {}, idPrefix = 'f-' } = {}) {
  const { properties, required } = formProperties(form);
  return properties.map(([name, schema]) => {
    const id = fieldId(idPrefix, name);
    const isRequired = required.has(name);
    const value = values[fieldName(name)];
    const label = { tag: 'label', attrs: { for: id }, children: [String(schema.title ?? name), isRequired && ' ', isRequired && { tag: 'span', attrs: { class: 'req', 'aria-hidden': 'true' }, children: ['*'] }] };
    const common = { id, name: fieldName(name), required: isRequired && schema.type !== 'boolean', 'aria-describedby': schema.description ? `${id}-help` : undefined };
    const help = schema.description && { tag: 'small', attrs: { id: `${id}-help` }, children: [String(schema.description)] };
    return { tag: 'div', attrs: { class: 'field', 'data-field': name }, children: [label, inputTree(schema, common, value), help].filter(Boolean) };
  });
}

function inputTree(schema, attrs, value) {
  if (Array.isArray(schema.enum)) {
    const options = schema.enum.map((v) => ({ tag: 'option', attrs: { value: String(v), selected: value === String(v) }, children: [String(v)] }));
    return { tag: 'select', attrs, children: [{ tag: 'option', attrs: { value: '' }, children: [] }, ...options] };
  }
  if (schema.type === 'boolean') return { tag: 'input', attrs: { type: 'checkbox', ...attrs, checked: value === 'on' || value === 'true' } };
  if (schema.type === 'number' || schema.type === 'integer') {
    const bounds = { min: finite(schema.minimum), max: finite(schema.maximum) };
    return { tag: 'input', attrs: { type: 'number', step: schema.type === 'integer' ? '1' : 'any', ...bounds, ...attrs, value: value ?? '' } };
  }
  if (schema.type === 'string' || schema.type === undefined) {
    const type = schema.format === 'email' ? 'email' : schema.format === 'date' ? 'date' : 'text';
    const maxlength = typeof schema.maxLength === 'number' && schema.maxLength <= 200 ? String(schema.maxLength) : undefined;
    return { tag: 'input', attrs: { type, maxlength, ...attrs, value: value ?? '' } };
  }
  return { tag: 'textarea', attrs: { ...attrs, placeholder: 'JSON' }, children: [value ?? ''] };
}

function finite(n) {
  return typeof n === 'number' && Number.isFinite(n) ? String(n) : undefined;
}

/**
 * The submitted fields (`f.<name>` → text) as data typed by the schema: numbers for number and
 * integer fields, parsed JSON for object and array fields (text that does not parse is kept, for
 * the schema to refuse with a message), booleans for checkboxes (unchecked is false); empty fields
 * are left out, so `required` names them.
 */
export function formData(form, fields) {
  const { properties } = formProperties(form);
  const data = {};
  for (const [name, schema] of properties) {
    const raw = fields[fieldName(name)];
    if (schema.type === 'boolean') {
      data[name] = raw === 'on' || raw === 'true';
      continue;
    }
    if (raw === undefined || raw === '') continue;
    data[name] = fieldValue(schema, raw);
  }
  return data;
}

function fieldValue(schema, raw) {
  if (schema.type === 'number' || schema.type === 'integer') return Number.isNaN(Number(raw)) ? raw : Number(raw);
  if (schema.type === 'object' || schema.type === 'array') {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}
