// The mailbox forms (new and edit): their widgets, validation and the resource JSON they send.
define(['./i18n', './types'], function (_, types) {
  'use strict';

  // The schema's rule, as the endpoint validates it (its finer check of OX's characters answers with
  // a message of its own: an internationalised domain is converted, not refused).
  var LOGIN = new RegExp(types.LOGIN_PATTERN);
  var EMAIL = /^[^\s@]+@[^\s@]+$/;
  var TEXT_FIELDS = ['login', 'email', 'displayName', 'givenName', 'familyName'];

  /**
   * The form's widgets. `on.userChosen` (a new mailbox) adds the user to choose; `on.tierChosen`
   * follows the tier (the mobility add-on is offered only where the tier lacks mobility).
   */
  function widgets(genId, on) {
    var isNew = Boolean(on.userChosen);
    var fields = [
      ['aps/TextBox', { id: genId('mbx_login'), label: _('Login'), required: true, disabled: !isNew }],
      ['aps/TextBox', { id: genId('mbx_email'), label: _('E-mail address'), required: true }],
      ['aps/TextBox', { id: genId('mbx_displayName'), label: _('Display name'), required: true }],
      ['aps/TextBox', { id: genId('mbx_givenName'), label: _('Given name') }],
      ['aps/TextBox', { id: genId('mbx_familyName'), label: _('Family name') }],
      ['aps/Select', { id: genId('mbx_profile'), label: _('Tier'), options: [], onChange: on.tierChosen }],
      ['aps/CheckBox', { id: genId('mbx_mobility'), label: _('Mobility (ActiveSync)') }],
      ['aps/Password', { id: genId('mbx_password'), label: isNew ? _('Password (empty: generated)') : _('New password (empty: unchanged)') }],
    ];
    if (isNew) fields.unshift(['aps/Select', { id: genId('mbx_user'), label: _('User'), options: [], onChange: on.userChosen }]);
    return ['aps/Panel', { id: genId('mbx_panel') }, [['aps/FieldSet', { id: genId('mbx_fields'), title: _('Mailbox') }, fields]]];
  }

  /** Whether the mobility add-on may be sold with this tier: never where the tier has mobility. */
  function offersMobility(profiles, profileId) {
    var tier = profiles.filter(function (p) { return p.aps.id === profileId; })[0];
    return !(tier && tier.includesMobility);
  }

  /** Shows the add-on where it may be sold, or where the mailbox has one already (to remove it). */
  function showMobility(byId, profiles, hasAddon) {
    var offered = offersMobility(profiles, byId('mbx_profile').get('value')) || hasAddon;
    byId('mbx_mobility').set('visible', offered);
    if (!offered) byId('mbx_mobility').set('checked', false);
  }

  /** What the form holds, read through byId. */
  function read(byId, isNew) {
    var input = {};
    TEXT_FIELDS.forEach(function (k) { input[k] = byId('mbx_' + k).get('value'); });
    input.profileId = byId('mbx_profile').get('value');
    input.mobility = byId('mbx_mobility').get('visible') !== false && Boolean(byId('mbx_mobility').get('checked'));
    input.password = byId('mbx_password').get('value');
    if (isNew) input.userId = byId('mbx_user').get('value');
    return input;
  }

  function fill(byId, values) {
    Object.keys(values).forEach(function (k) { byId('mbx_' + k).set('value', values[k] == null ? '' : String(values[k])); });
  }

  function profileOptions(profiles) {
    return profiles.map(function (p) { return { value: p.aps.id, label: p.title + (p.includesMobility ? ' (' + _('with mobility') + ')' : '') }; });
  }

  /** `users`: the service users a new mailbox may be for (omitted when a mailbox is edited). */
  function validate(input, profiles, users) {
    var errors = {};
    if (users && !users.some(function (u) { return u.aps.id === input.userId; })) errors.userId = _('Choose the user who gets this mailbox');
    if (!input.login || !LOGIN.test(input.login)) errors.login = _('Use letters, digits and . _ - @ + % $ only');
    if (!input.email || !EMAIL.test(input.email)) errors.email = _('Enter an e-mail address');
    if (!input.displayName || !input.displayName.trim()) errors.displayName = _('Enter a display name');
    if (!profiles.some(function (p) { return p.aps.id === input.profileId; })) errors.profileId = _('Choose a tier');
    if (input.password && input.password.length < 8) errors.password = _('At least 8 characters');
    return errors;
  }

  /** The mailbox resource. A new one names its subscription and carries its user link. */
  function toResource(input, ctx, subscription) {
    var r = {
      aps: { type: types.MAILBOX },
      email: input.email.trim().toLowerCase(), displayName: input.displayName.trim(),
      profile: { aps: { id: input.profileId } },
    };
    if (subscription) r.aps.subscription = subscription;
    if (input.userId) {
      r.login = input.login;
      r.user = { aps: { id: input.userId } };
      r.context = { aps: { id: ctx.aps.id } };
    }
    if (input.givenName) r.givenName = input.givenName;
    if (input.familyName) r.familyName = input.familyName;
    if (input.password) r.password = input.password;
    return r;
  }

  /** Fields of a new mailbox taken from its service user (where the form is still empty). */
  function fromUser(user, input) {
    var out = {};
    TEXT_FIELDS.forEach(function (k) {
      if (!input[k] && user && user[k]) out[k] = String(user[k]);
    });
    return out;
  }

  /** Whether the add-on must be added (1), removed (-1) or left alone (0). */
  function mobilityChange(wanted, has) {
    return wanted === has ? 0 : wanted ? 1 : -1;
  }

  /** The id of a linked resource ({aps: {id}}), if any. */
  function linkId(link) {
    return link && link.aps && link.aps.id;
  }

  return {
    widgets: widgets, offersMobility: offersMobility, showMobility: showMobility, read: read, fill: fill,
    profileOptions: profileOptions, validate: validate, toResource: toResource, fromUser: fromUser,
    mobilityChange: mobilityChange, linkId: linkId,
  };
});
