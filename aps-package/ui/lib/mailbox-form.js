// The mailbox create/edit step: validation and the resource JSON it sends.
define([], function () {
  'use strict';

  var LOGIN = /^[$@%.+a-zA-Z0-9_-]+$/;
  var EMAIL = /^[^\s@]+@[^\s@]+$/;

  function validate(input, profiles, _) {
    var errors = {};
    if (!input.login || !LOGIN.test(input.login)) errors.login = _('Use letters, digits and . _ - @ + % $ only');
    if (!input.email || !EMAIL.test(input.email)) errors.email = _('Enter an e-mail address');
    if (!input.displayName || !input.displayName.trim()) errors.displayName = _('Enter a display name');
    if (!profiles.some(function (p) { return p.aps.id === input.profileId; })) errors.profileId = _('Choose a profile');
    if (input.password && input.password.length < 8) errors.password = _('At least 8 characters');
    return errors;
  }

  function toResource(input, contextId, userId) {
    var r = {
      aps: { type: 'http://ox-connector.org/aps/mailboxes/1.0' },
      login: input.login, email: input.email.toLowerCase(), displayName: input.displayName.trim(),
      context: { aps: { id: contextId } }, profile: { aps: { id: input.profileId } },
    };
    if (userId) r.user = { aps: { id: userId } };
    if (input.givenName) r.givenName = input.givenName;
    if (input.familyName) r.familyName = input.familyName;
    if (input.password) r.password = input.password;
    return r;
  }

  /** Whether the add-on must be added (1), removed (-1) or left alone (0). */
  function mobilityChange(wanted, has) {
    return wanted === has ? 0 : wanted ? 1 : -1;
  }

  return { validate: validate, toResource: toResource, mobilityChange: mobilityChange };
});
