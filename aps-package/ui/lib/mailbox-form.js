// The mailbox create/edit step: validation and the resource JSON it sends.
define([], function () {
  'use strict';

  var LOGIN = /^[$@%.+a-zA-Z0-9_-]+$/;
  var EMAIL = /^[^\s@]+@[^\s@]+$/;

  /** `users`: the service users a new mailbox may be for (omitted when a mailbox is edited). */
  function validate(input, profiles, _, users) {
    var errors = {};
    if (users && !users.some(function (u) { return u.aps.id === input.userId; })) errors.userId = _('Choose the user who gets this mailbox');
    if (!input.login || !LOGIN.test(input.login)) errors.login = _('Use letters, digits and . _ - @ + % $ only');
    if (!input.email || !EMAIL.test(input.email)) errors.email = _('Enter an e-mail address');
    if (!input.displayName || !input.displayName.trim()) errors.displayName = _('Enter a display name');
    if (!profiles.some(function (p) { return p.aps.id === input.profileId; })) errors.profileId = _('Choose a profile');
    if (input.password && input.password.length < 8) errors.password = _('At least 8 characters');
    return errors;
  }

  /** The mailbox resource; a new one carries its user link (the controller requires it). */
  function toResource(input, contextId) {
    var r = {
      aps: { type: 'http://ox-connector.org/aps/mailboxes/1.0' },
      login: input.login, email: input.email.toLowerCase(), displayName: input.displayName.trim(),
      context: { aps: { id: contextId } }, profile: { aps: { id: input.profileId } },
    };
    if (input.userId) r.user = { aps: { id: input.userId } };
    if (input.givenName) r.givenName = input.givenName;
    if (input.familyName) r.familyName = input.familyName;
    if (input.password) r.password = input.password;
    return r;
  }

  /** Fields of a new mailbox taken from its service user (where the form is still empty). */
  function fromUser(user, input) {
    var out = {};
    ['login', 'email', 'displayName', 'givenName', 'familyName'].forEach(function (k) {
      if (!input[k] && user && user[k]) out[k] = String(user[k]);
    });
    return out;
  }

  /** Whether the add-on must be added (1), removed (-1) or left alone (0). */
  function mobilityChange(wanted, has) {
    return wanted === has ? 0 : wanted ? 1 : -1;
  }

  return { validate: validate, toResource: toResource, fromUser: fromUser, mobilityChange: mobilityChange };
});
