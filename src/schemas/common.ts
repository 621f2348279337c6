// Schemas shared by several routes. Every object is closed (additionalProperties: false).
import { Type } from 'typebox'

/** The contract's error body. */
export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String()
}, { additionalProperties: false })

/** Login and refresh answers. `refreshToken` only with body transport. */
export const TokenResponseSchema = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer(),
  refreshToken: Type.Optional(Type.String())
}, { additionalProperties: false })

/** Username and password as received: exact rules apply after NFKC, in src/domain. */
export const CredentialsSchema = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 256 }),
  password: Type.String({ minLength: 1, maxLength: 4096 })
}, { additionalProperties: false })

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String()
}, { additionalProperties: false })

export const RefreshBodySchema = Type.Object({
  refreshToken: Type.String({ minLength: 1, maxLength: 512 })
}, { additionalProperties: false })

export const TokenTransportHeaders = Type.Object({
  'x-token-transport': Type.Optional(Type.Union([Type.Literal('body'), Type.Literal('cookie')]))
})
