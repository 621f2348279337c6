// Messages for requests that fail their route's schema (FST_ERR_VALIDATION, code unchanged), worded
// to say what to send instead: an unknown or missing property is named along with the ones the
// body may hold (for a missing one, the body schema's own description when it has one), a username
// or password out of bounds gets the limits the domain enforces (the schema's own bounds are
// looser, since NFKC and width mapping change a string's length), and a header failing its
// pattern gets its schema's description of the allowed values.
import type { FastifyError, FastifyRequest } from 'fastify'
import { passwordLengthRule } from '../src/domain/passwords.js'
import { USERNAME_LENGTH_RULE } from '../src/domain/usernames.js'

/** The part of an ajv error these messages read. */
interface SchemaError {
  instancePath: string
  schemaPath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
}

/** A schema node, as far as these messages read one. */
interface SchemaNode {
  properties?: Record<string, unknown>
  required?: string[]
  description?: string
}

const PASSWORD_FIELDS = new Set(['password', 'currentPassword', 'newPassword'])

// A client's property name is echoed back: cut, so a 16 KiB name is not answered in full.
function quoted (name: unknown): string {
  return JSON.stringify(String(name).slice(0, 64))
}

function listed (names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`
}

/** The schema object a JSON pointer such as `#/anyOf/0/additionalProperties` points into (its keyword cut off). */
function schemaAt (root: unknown, schemaPath: string): SchemaNode | undefined {
  let node = root
  for (const segment of schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[segment.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return node !== null && typeof node === 'object' ? node as SchemaNode : undefined
}

/** Header names as HTTP documents spell them (Fastify hands them over lower-cased). */
function headerName (name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase())
}

/** The first key of the object at `instancePath` in `data` that `parent` does not declare. */
function undeclaredKey (data: unknown, instancePath: string, parent: SchemaNode | undefined): string | undefined {
  let node = data
  for (const segment of instancePath.split('/').slice(1)) node = (node as Record<string, unknown> | null)?.[segment]
  if (node === null || typeof node !== 'object' || parent?.properties === undefined) return undefined
  const declared = parent.properties
  return Object.keys(node).find((key) => !Object.hasOwn(declared, key))
}

function messageFor (error: SchemaError, context: string, schema: unknown, data: unknown): string | undefined {
  const field = error.instancePath.split('/').at(-1) ?? ''
  const where = context === 'body' ? 'the body' : `the ${context}`
  const parent = schemaAt(schema, error.schemaPath)
  const allowed = Object.keys(parent?.properties ?? {})
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown property ${quoted(error.params.additionalProperty)}: ${where} may hold only ${listed(allowed)}`
    case 'required': {
      // ajv checks required before additionalProperties: {"usrname", "password"} fails as a missing
      // username, when the property to fix is the misspelt one.
      const unknown = undeclaredKey(data, error.instancePath, parent)
      if (unknown !== undefined) return `unknown property ${quoted(unknown)}: ${where} may hold only ${listed(allowed)}`
      // A union's description says what each of its branches is for (the refresh routes: a body
      // {refreshToken}, or none at all), which the failing branch's list of properties does not.
      const rule = (schema as SchemaNode | undefined)?.description ?? `${where} must hold ${listed(parent?.required ?? [])}`
      return `missing property ${quoted(error.params.missingProperty)}: ${rule}`
    }
    case 'minLength':
    case 'maxLength':
      if (PASSWORD_FIELDS.has(field)) return passwordLengthRule(field)
      if (field === 'username') return USERNAME_LENGTH_RULE
      return undefined
    case 'pattern': {
      const description = parent?.description
      if (description === undefined) return undefined
      return `${context === 'headers' ? headerName(field) : field} must be ${description}`
    }
    default:
      return undefined
  }
}

/**
 * The message for a validation error: from its first schema error (ajv stops at the first; in a
 * union that is the first branch's, the one a client most likely meant), else Fastify's own.
 */
export function validationMessage (error: FastifyError, request: FastifyRequest): string {
  const first = error.validation?.[0] as SchemaError | undefined
  const context = error.validationContext ?? 'body'
  if (first === undefined) return error.message
  const schema = (request.routeOptions.schema as Record<string, unknown> | undefined)?.[context]
  const data = (request as unknown as Record<string, unknown>)[context === 'querystring' ? 'query' : context]
  return messageFor(first, context, schema, data) ?? `${context}${first.instancePath} ${first.message ?? 'is not valid'}`
}
