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

/**
 * `X-Token-Transport` (docs/http-api.md, "Refresh token transport"): body or cookie, in any case.
 * Any other value is refused rather than read as cookie, so a typo does not switch transports
 * silently. Its description is also the refusal's message (plugins/validation-messages.ts).
 */
export const TokenTransportHeaders = Type.Object({
  'x-token-transport': Type.Optional(Type.String({
    pattern: '^(?:[Bb][Oo][Dd][Yy]|[Cc][Oo][Oo][Kk][Ii][Ee])$',
    description: 'body or cookie (any case): body to get and send the refresh token in JSON bodies, cookie (the default) for the HttpOnly refresh cookie'
  }))
})
