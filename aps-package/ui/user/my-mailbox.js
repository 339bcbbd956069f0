// The service user's own panel (UX1): their mailbox, "Open webmail", and what a phone or mail
// program needs to connect.
define(['dojo/_base/declare', 'aps/View', 'aps/xhr', '../lib/contexts', '../lib/format', '../lib/i18n', '../lib/messages',
  '../lib/operations'],
function (declare, View, xhr, contexts, format, _, messages, ops) {
  'use strict';

  /** The user's own mailbox: the user service assigned to them (the panel binds no other). */
  function ownMailbox() {
    var user = aps.context.vars.user;
    return contexts.list(aps.context.vars.mailboxes).filter(function (m) {
      return m.user && m.user.aps && user && m.user.aps.id === user.aps.id;
    })[0];
  }

  // A mail server with the user name that signs in there (the mail system's login, not the OX one).
  function server(s) {
    if (!s) return _('Ask your provider');
    return s.host + ':' + s.port + ' (' + s.security + ')' + (s.username ? ', ' + _('User name') + ': ' + s.username : '');
  }

  /** "Info desk <info@…>, …", or that there are none. */
  function sharedList(list) {
    if (!list || !list.length) return _('None');
    return list.map(function (s) { return s.displayName + ' <' + s.address + '>'; }).join(', ');
  }

  function showSettings(view, settings) {
    view.byId('my_imap').set('value', server(settings.imap));
    view.byId('my_smtp').set('value', server(settings.smtp));
    view.byId('my_activesync').set('value', settings.activeSync ? settings.activeSync.url : _('Not included'));
    view.byId('my_username').set('value', settings.username);
  }

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('my_panel') }, [
        ['aps/FieldSet', { id: this.genId('my_box'), title: _('My mailbox') }, [
          ['aps/Output', { id: this.genId('my_email'), label: _('E-mail address') }],
          ['aps/Output', { id: this.genId('my_state'), label: _('Status') }],
          ['aps/Button', { id: this.genId('my_webmail'), label: _('Open webmail'), onClick: messages.loginClick(xhr, function () { return ownMailbox().aps.id; }, 'login', _('Webmail could not be opened: ')) }],
        ]],
        ['aps/FieldSet', { id: this.genId('my_devices'), title: _('Phones and mail programs') }, [
          ['aps/Output', { id: this.genId('my_username'), label: _('User name') }],
          ['aps/Output', { id: this.genId('my_imap'), label: _('Incoming mail (IMAP)') }],
          ['aps/Output', { id: this.genId('my_smtp'), label: _('Outgoing mail (SMTP)') }],
          ['aps/Output', { id: this.genId('my_activesync'), label: _('Exchange ActiveSync server') }],
        ]],
        ['aps/FieldSet', { id: this.genId('my_shared_box'), title: _('Shared mailboxes') }, [
          ['aps/Output', { id: this.genId('my_shared'), label: _('You also read') }],
        ]],
      ]];
    },
    onContext: function () {
      var view = this;
      var mailbox = ownMailbox();
      if (!mailbox) {
        messages.show(_('You have no OX mailbox yet: ask your administrator.'), 'info');
        this.byId('my_webmail').set('disabled', true);
        return aps.apsc.hideLoading();
      }
      this.byId('my_email').set('value', mailbox.email);
      this.byId('my_state').set('value', format.stateLabel(mailbox.aps.status));
      if (mailbox.passwordState === 'unknown') {
        messages.show(_('Your mailbox has no password set here yet: ask your administrator to set one.'), 'info');
        this.byId('my_webmail').set('disabled', true);
      }
      return Promise.all([ops.call(xhr, mailbox.aps.id, 'clientSettings'), ops.call(xhr, mailbox.aps.id, 'sharedMailboxes')]).then(function (answers) {
        showSettings(view, answers[0]);
        view.byId('my_shared').set('value', sharedList(answers[1].sharedMailboxes));
        aps.apsc.hideLoading();
      }, function (err) {
        messages.show(_('The connection settings could not be read: ') + ops.errorText(err));
        aps.apsc.hideLoading();
      });
    },
  });
});
