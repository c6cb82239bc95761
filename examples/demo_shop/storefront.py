"""The demo storefront: a home page and a registration form that calls the plugin's hook."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

from . import demo_shop, groups

blueprint = Blueprint("demo_storefront", __name__)


class RegistrationForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=128)])
    last_name = StringField("Last name", validators=[Length(max=128)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


@blueprint.get("/")
def home():
    return render_template("demo/home.html", shop=demo_shop(), form=RegistrationForm())


@blueprint.post("/register")
def register():
    form = RegistrationForm()
    shop = demo_shop()
    if shop is None or not form.validate_on_submit():
        return render_template("demo/home.html", shop=shop, form=form), 400
    # The demo has no customer table of its own: the email is its stable customer id.
    registration = groups.register_customer(
        shop.id, external_id=form.email.data.lower(), email=form.email.data,
        first_name=form.first_name.data, last_name=form.last_name.data or "",
    )
    flash(f"Welcome, {form.first_name.data}! You are in: {', '.join(registration.groups)}.")
    return redirect(url_for("demo_storefront.home"))
