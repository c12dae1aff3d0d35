# ruff: noqa: F405
"""Jen's mail from 2023: the Elbpark competition win, the Speicherstadt rooftop, Lyon, family."""

from cast import *  # noqa: F403

# Hand-written data: one compact block per message reads better than the formatter's layout.
# fmt: off

EMAILS = [
    M("23-elbpark-shortlist", "2023-01-09 08:47", acct="office", client="outlook", to=[ANNA, TOM],
      subject="Elbpark – we're on the shortlist!", lang="en", text="""
Hi Anna, hi Tom,

Malte just called from the jury meeting: Elbpark is on the shortlist, together with two offices from Rotterdam and Copenhagen. Final presentation is on Thursday 2 February, 10:00, in the Kesselhaus at Am Sandtorkai 30.

We get 20 minutes plus 10 for questions. I'd like to show fewer plans and more of the "walk along the water" story, starting at the Magellan-Terrassen and ending at the new play pier.

Could we meet tomorrow at 14:00 in the small meeting room to split the work? I'll bring cake — this deserves cake.

Best,
Jen
"""),
    M("23-mama-januar", "2023-01-11 19:32", to=MAMA, subject="Re: Snow in Lüneburg", lang="en",
      quotes=[Q(MAMA, "2023-01-11 14:05", """
Dear Jen,

a few photos of the garden in the snow. Papa has put up bird food for half the town again. Are you coming to see us soon?

Love, Mum
""")], text="""
Dear Mum,

thank you for the snow photos, the garden looks like a postcard! Here in Hamburg it's just slush.

Max and I would love to come for lunch on Sunday, around 12:30. We'll bring dessert — Max insists on baking his apple cake, so be prepared.

Please tell Papa I'll bring the tax papers, then we can go through them together.

Love,
Jen
"""),
    M("23-tom-slides", "2023-01-12 16:05", acct="office", client="outlook", to=TOM,
      subject="AW: Elbpark presentation – slides", lang="en", quotes=[Q(TOM, "2023-01-12 15:40", """
Hi Jen,

the first 12 slides are done, they're in P:\\Wettbewerbe\\2023_Elbpark\\Praesentation. The sections through the waterfront are still missing. Shall I have the play pier visualisation rendered again? The light is too cold for my taste.

Tom
""")], text="""
Hey Tom,

great, thank you! The slides look good, only slide 7 is too busy for me — let's leave the site plan on its own there and move the plant list to the appendix.

Yes, please re-render the play pier, ideally with evening light around 19:00 in June. I'll do the sections tonight, so you'll have them tomorrow morning at 9.

Best,
Jen
"""),
    M("23-lena-intro", "2023-01-17 10:20", acct="studio", client="apple", to=LENA,
      subject="Speicherstadt roof garden – first thoughts", lang="en", text="""
Dear Dr. Hoffmann,

thank you for the good conversation yesterday and the walk across the roof at Brooksfleet. I've looked at the photos again and sorted a few first thoughts:

At around 640 m², the roof is bigger than I expected, but the load capacity will be the deciding factor. Before we talk about trees, we need the structural calculations for the existing roof — do you still have the documents from 2011 that Ms Voss mentioned?

I'll send you a short offer for the preliminary design (work stages 1–2) by the end of next week, with two options: an extensive green roof with a seating area, and a more intensive version with raised beds for the tenants.

Kind regards,
Jen Weber
"""),
    M("23-katrin-birthday", "2023-01-20 21:14", to=KATRIN, subject="Re: Mia's birthday", lang="en",
      client="iphone", quotes=[Q(KATRIN, "2023-01-20 18:02", """
Hey Jenny,

Mia wants a "real garden" for her birthday, whatever that means for a six-year-old in a Berlin flat. Any ideas? Budget maybe 40 euros. Party is on the 4th.

K
""")], text="""
Ha, she's my niece alright! What about a windowsill set: three terracotta pots, a bag of seed compost and seeds that actually come up fast — radishes, cress, nasturtiums. I can put it together and bring it on the 4th.

I'll add a little watering can. Tell her she's the head gardener now.
"""),
    M("23-anna-thanks", "2023-01-24 17:48", acct="office", client="outlook", to=ANNA,
      subject="AW: Sections waterfront", lang="en", quotes=[Q(ANNA, "2023-01-24 17:30", """
Hi Jen, sections are on the server, v3. Tom checked the levels. A.
""")], text="""
Thanks!
"""),
    M("23-elodie-lyon", "2023-02-06 09:15", acct="studio", client="apple", to=ELODIE,
      subject="Re: Concours Rives de Saône", lang="fr", quotes=[Q(ELODIE, "2023-02-03 17:41", """
Chère Jen,

Nous avons enfin reçu le règlement du concours pour les rives de Saône, à Lyon. Rendu le 28 avril. Pierre et moi aimerions beaucoup le faire avec vous, comme pour Nantes. Est-ce que cela vous intéresse ?

Bises,
Élodie
""")], text="""
Chère Élodie,

Oui, avec grand plaisir ! Nous venons de gagner la première phase pour l'Elbpark à Hambourg, donc l'équipe est motivée – et un peu fatiguée.

Je propose qu'on fasse un premier appel mardi 14 février à 10h. Je peux venir à Lyon début mars pour voir le site, idéalement le 2 et le 3.

Est-ce que vous pouvez m'envoyer le règlement et les plans du site ? Je vais demander à Jonas de préparer une petite analyse de la végétation existante.

Bises, et à bientôt,
Jen
"""),
    M("23-club-relay", "2023-02-08 07:05", to=NIKLAS, subject="Re: Relay Hamburg Marathon", lang="en",
      client="android", quotes=[Q(NIKLAS, "2023-02-07 22:10", """
Hi all,

we need four runners for the relay at the Haspa Marathon on 23 April. Legs are roughly 16, 11, 5 and 10 km. Who's in?

Niklas
""")], text="""
Hi Niklas,

I'm in! I'd take the 11 km leg if nobody else wants it — my knee doesn't love the long ones anymore. Freya said yesterday she'd do the 5 km, so you might have half a team already.

Thanks! J
"""),
    M("23-sven-trees", "2023-02-13 11:30", acct="studio", client="apple", to=SVEN,
      subject="Enquiry: multi-stem trees for a roof garden", lang="en", text="""
Hi Mr Albers,

for a roof garden in the Speicherstadt I'm looking for small multi-stem trees that can cope with very little substrate. I'm thinking of serviceberry (Amelanchier lamarckii) and ornamental cherry, 200–250 cm, multi-stem, root-balled.

Could you tell me what you'll have in stock in the autumn and roughly what 8 to 10 of them would cost? Planting would be in October at the earliest.

Best wishes from Altona,
Jen Weber
"""),
    M("23-marta-hola", "2023-02-19 20:40", to=MARTA, subject="Re: Coming in May?", lang="en",
      quotes=[Q(MARTA, "2023-02-18 12:03", """
Hi Jen!

So are you coming to Valencia in May in the end? The Turia gardens are beautiful in spring and I want to show you the courtyard project we're doing in Russafa.

Hugs,
Marta
""")], text="""
Hi Marta!

Yes, I'm coming! The flight is booked: I arrive on Thursday 18 May in the afternoon and leave on Monday the 22nd. Max is coming too, but mostly he wants to eat paella and sleep on the beach.

I'd love to see the Russafa courtyard. Could we go on Friday morning? In the afternoon I want to walk along the Turia and see how they've planted the new sections.

Big hug,
Jen
"""),
    M("23-lena-statik", "2023-02-21 14:12", acct="studio", client="apple", to=LENA, cc=LENA_ASSIST,
      subject="Re: Structural report existing roof", lang="en", quotes=[Q(LENA, "2023-02-21 09:50", """
Dear Ms Weber,

Ms Voss found the structural report in the archive, I've sent it to you as a PDF. According to the report, an additional load of 2.5 kN/m² is possible. Is that enough for your ideas?

Best regards,
Lena Hoffmann
""")], text="""
Dear Dr. Hoffmann,

many thanks to you and Ms Voss, that helps a lot!

2.5 kN/m² is decent, but not generous. It's plenty for an extensive green roof, but for the raised beds and the trees we'll have to put the loads on the column lines. That means: trees only along the fire wall, where the beams are.

I'd like to bring in a structural engineer, Mr Brandes, whom I worked with on the courtyard garden in Ottensen. Is that all right with you? His fee would be about 1,800 euros net.

Kind regards,
Jen Weber
"""),
    M("23-anna-inline-budget", "2023-02-27 18:22", acct="office", client="gmail", to=ANNA,
      subject="Re: Elbpark cost framework – questions", lang="en", post="inline",
      quotes=[Q(ANNA, "2023-02-27 15:05", "")], parts=[
          ("me", "Hi Anna,\n\nanswers below, quick and dirty:"),
          ("q", "1. Do we keep the granite edge along the promenade or replace it with concrete?"),
          ("me", "Keep it. It's in good shape and re-setting it costs about a third of new concrete. Malte agrees."),
          ("q", "2. Is the 4.2 million including the play pier?"),
          ("me", "No, the pier is a separate budget line from the Bezirk, roughly 650k. Let's show it separately so nobody double counts."),
          ("q", "3. Tree planting – 48 or 60 trees?"),
          ("me", "48 in the first phase, 12 more once the sewer works on Großer Grasbrook are done (2026?)."),
          ("me", "Talk tomorrow,\nJen"),
      ]),
    M("23-max-dinner", "2023-03-01 12:41", to=MAX, subject="Re: tonight", lang="en", client="iphone",
      quotes=[Q(MAX, "2023-03-01 12:30", """
When are you home tonight? I'm making curry.
""")], text="""
Hey you,

I won't make it before 20:00, the Elbpark meeting is dragging on. Could you put the rice on? I'll bring vegetables from the market on Ottenser Hauptstraße.
"""),
    M("23-elodie-visit", "2023-03-05 22:10", acct="studio", client="apple", to=[ELODIE, PIERRE],
      subject="Thank you for Lyon!", lang="en", text="""
Dear Élodie, dear Pierre,

thank you for those two days in Lyon, they were wonderful. Walking along the Saône with you helped me understand the site so much better, especially the stretch between the Pont Bonaparte and the Saint-Vincent footbridge.

My three main ideas, in short:
- open the lower quays to the public all year round, with steps that can take a flood;
- plant willows and alders rather than plane trees, for the wildlife;
- keep the old car park as a paved "clearing" for the markets.

I'll send you my sketches on Friday. And thanks again for dinner at Daniel et Denise!

Best,
Jen
"""),
]

EMAILS += [
    M("23-anna-to-jen-workshop", "2023-03-07 09:02", sender=ANNA, to=JEN_OFFICE, client="outlook",
      subject="Beteiligungsworkshop Elbpark – Raum", lang="en", text="""
Hi Jen,

the Stadtteilschule Ottensen can give us their aula for the public workshop on 25 March, 11:00–15:00. They want 150 euros for the caretaker and we must be out by 16:00. Shall I confirm?

Anna
"""),
    M("23-anna-workshop-yes", "2023-03-07 09:26", acct="office", client="outlook", to=ANNA,
      subject="AW: Beteiligungsworkshop Elbpark – Raum", lang="en",
      quotes=[Q(ANNA, "2023-03-07 09:02", """
Hi Jen,

the Stadtteilschule Ottensen can give us their aula for the public workshop on 25 March, 11:00–15:00. They want 150 euros for the caretaker and we must be out by 16:00. Shall I confirm?

Anna
""")], text="""
Hi Anna,

yes, please confirm — 150 euros is fine, I'll sign it off with Birgit. 16:00 is tight, so let's plan to stop the discussion at 14:30 and have the big table with the model cleared by 15:30.

Could you also ask whether they have a projector that talks to a Mac? Last time in Wilhelmsburg we lost twenty minutes to a VGA adapter.

Best,
Jen
"""),
    M("23-mama-ostern", "2023-03-14 20:55", to=MAMA, cc=KATRIN, subject="Ostern bei euch?", lang="de",
      charset="iso-8859-1", cte="quoted-printable", text="""
Liebe Mama,

wie sieht es bei euch an Ostern aus? Katrin und Mia würden am Samstag aus Berlin kommen, Max und ich könnten Samstag früh mit dem Zug da sein.

Ich würde gern den Kuchen mitbringen und am Sonntag mit Papa die Beete hinten am Zaun machen. Er hat am Telefon erzählt, dass der Rosenbogen schief steht, das schauen wir uns gleich mit an.

Sag einfach, was dir am besten passt. Und bitte nicht wieder für zehn Leute kochen!

Liebe Grüße,
Jen
"""),
    M("23-jonas-veg", "2023-03-16 10:04", acct="studio", client="thunderbird", to=JONAS,
      subject="Lyon – vegetation analysis", lang="en", text="""
Hi Jonas,

could you do a small vegetation analysis of the Saône banks for the Lyon competition by Wednesday? The tree register of the Métropole de Lyon is open data, link: https://data.grandlyon.example/arbres-alignement

I'm mostly interested in three things: which species dominate along the banks, roughly how old the plane trees are, and where the gaps are. A map at 1:2000 and half a page of text are plenty.

If you have questions, give me a call, I'm in the office all day today.

Thanks!
Jen
"""),
    M("23-sven-reply-prices", "2023-03-20 16:15", acct="studio", client="apple", to=SVEN,
      subject="Re: Enquiry: multi-stem trees for a roof garden", lang="en", quotes=[Q(SVEN, "2023-03-20 11:48", """
Hello Ms Weber,

multi-stem serviceberry 200-250: we'll have about 30 in the autumn, 285 € net each. Ornamental cherry Prunus 'Accolade' is tight, we're getting 6, 340 € net. Delivery from October, root balls approx. 60 cm.

Kind regards,
Sven Albers
Baumschule Albers, Pinneberg
"""), Q(JEN_STUDIO, "2023-02-13 11:30", """
Hi Mr Albers,

for a roof garden in the Speicherstadt I'm looking for small multi-stem trees that can cope with very little substrate. I'm thinking of serviceberry (Amelanchier lamarckii) and ornamental cherry, 200–250 cm, multi-stem, root-balled.

Best wishes from Altona,
Jen Weber
""")], text="""
Hi Mr Albers,

thank you for the quick reply! Please reserve 8 serviceberries for me, without obligation — we'll leave out the cherries. A 60 cm root ball is borderline on a roof, but we'll manage.

I'd like to come out to Pinneberg in June and pick the trees myself. Would a Friday morning suit you?

Best wishes,
Jen Weber
"""),
    M("23-katrin-danke", "2023-03-21 22:30", to=KATRIN, subject="Re: Photos from the weekend", lang="en",
      client="iphone", quotes=[Q(KATRIN, "2023-03-21 21:58", """
Here are the photos of Mia with her radishes, she's sooo proud!! K
""")], text="""
Love them!
"""),
    M("23-workshop-recap", "2023-03-26 21:40", acct="office", client="owa", to=[ANNA, TOM], cc=MALTE,
      subject="AW: Workshop yesterday?", lang="en", quotes=[Q(MALTE, "2023-03-26 19:02", """
How did it go yesterday? I was stuck in bed, unfortunately. Could you send me the main points? M.
""")], text="""
Hi all,

thanks for yesterday — it was a really good workshop, and I think the neighbours felt heard. Quick notes while they're fresh:

- About 85 people came, a lot more families than we expected. The kids' table with the clay model was the best idea we had.
- The strongest wish: shade and benches along the promenade, and a toilet that is actually open.
- The dog owners want a fenced area. We should look at the strip behind the old customs house.
- Nobody liked the idea of removing the big poplars. Let's keep at least the row of six at the north end.

Anna, could you type up the sticky notes by Friday? Tom, the photos from the model would be great for the report.

Best,
Jen
"""),
    M("23-uni-lecture", "2023-04-03 13:10", acct="studio", client="apple", to=UNI,
      subject="Re: Guest lecture in the summer semester", lang="en", quotes=[Q(UNI, "2023-03-31 16:20", """
Dear Ms Weber,

would you like to give a guest lecture in my seminar "Urban landscapes on the water" this summer semester? Possible dates are 24 May or 7 June, 14:00–16:00 each, room 3.101 at the HCU. We can pay a small fee of 250 euros.

Kind regards,
Henrik Dahl
""")], text="""
Dear Professor Dahl,

I'd love to! 7 June suits me better, in May I'm in Valencia.

I'd talk about the Elbpark process, above all the participation and what the neighbours' wishes actually turned into in the design. And about a few mistakes we learned from — students usually find that the most interesting part.

Do you need a title and a short description for the announcement beforehand?

Kind regards,
Jen Weber
"""),
    M("23-club-newsletter", "2023-04-05 18:00", sender=CLUB, to=JEN_MAIN, subject="Alsterläufer Newsletter April",
      lang="de", html="only", text="""
Liebe Mitglieder,

die Sommerzeit ist da: ab sofort laufen wir dienstags wieder um 18:30 an der Krugkoppelbrücke. Die Staffel für den Marathon am 23. April steht, vielen Dank an alle Freiwilligen!

Sportliche Grüße
Euer Vorstand
"""),
    M("23-niklas-relay-details", "2023-04-12 08:17", to=NIKLAS, cc=FREYA, subject="Re: Relay – change zones",
      lang="en", client="android", quotes=[Q(NIKLAS, "2023-04-11 21:33", """
Hi relay team,

change zones are: Landungsbrücken (after 16 km), Eppendorfer Baum (27 km), Alsterdorf (32 km). Shuttle buses from the start at Messehallen. Jen, you run from Landungsbrücken to Eppendorfer Baum.

Niklas
""")], text="""
Hi Niklas,

great, thanks for sorting this. Landungsbrücken is perfect for me, I can walk there from home in 20 minutes and skip the shuttle.

One question: where do we leave our bags? Last year in Bremen the bag truck only went to the finish, and I stood at the change zone in a bin bag for an hour.

Cheers,
Jen
"""),
    M("23-lena-offer", "2023-04-14 11:45", acct="studio", client="apple", to=LENA, cc=LENA_ASSIST,
      subject="Offer: preliminary design, Brooksfleet roof garden", lang="en",
      attach=[("Angebot_2023-014_Dachgarten_Brooksfleet.pdf", "pdf")], text="""
Dear Dr. Hoffmann,

as discussed, please find attached my offer for the preliminary design of the Brooksfleet roof garden (offer 2023-014).

In short: work stages 1 and 2 for both options, including coordination with the structural engineer Mr Brandes and two meetings with you and the property management. Flat fee of 9,400 euros net, about six weeks from the order.

If you already clearly prefer one option, we can also reduce the scope. I'm happy to call you next week to go through any questions.

Kind regards,
Jen Weber
"""),
    M("23-lena-assist-received", "2023-04-17 09:12", sender=LENA_ASSIST, to=JEN_STUDIO, client="outlook",
      subject="RE: Offer: preliminary design, Brooksfleet roof garden", lang="en", text="""
Dear Ms Weber,

Dr. Hoffmann is travelling on business until Thursday. She has asked me to let you know that she has read the offer and will get back to you on Friday.

Kind regards,
Sabine Voss
Assistant to the Management
"""),
    M("23-elodie-sketches", "2023-04-18 23:05", acct="studio", client="apple", to=ELODIE, cc=PIERRE,
      subject="Re: Rives de Saône – board 2", lang="en", html="alt", quotes=[Q(ELODIE, "2023-04-18 18:12", """
Jen,

Board 2 is almost finished, but we're missing your section through the quai Saint-Antoine. Can you send it tonight? The print run goes out on Thursday morning.

É.
""")], text="""
Élodie,

the section went out by WeTransfer five minutes ago, as PDF and DWG. I've added the flood levels of 2001 and 1955, as Pierre asked.

One small remark: on board 2 the willows look a bit too well-behaved. Could we draw them looser, leaning more towards the water?

Good night, and good luck for Thursday!
Jen
"""),
    M("23-tax-docs", "2023-04-25 15:30", acct="studio", client="thunderbird", to=STEUER,
      subject="Re: Documents for the 2022 accounts", lang="en", quotes=[Q(STEUER, "2023-04-18 09:20", """
Dear Ms Weber,

so that we can finish the 2022 annual accounts by the end of May, please upload all documents to the shared folder by 28 April.

Kind regards,
Petra Kahl
""")], text="""
Dear Ms Kahl,

the documents for the 2022 accounts are now all in the cloud folder "2022_komplett". That includes the bank statements up to December, all outgoing invoices (2022-001 to 2022-047) and the receipts for the new plotter.

I have two questions: can I deduct the trip to Lyon in March entirely as business development, even though we only entered the competition afterwards? And how do we treat the HafenCity fee, since that is freelance work?

Many thanks and best regards,
Jen Weber
"""),
    M("23-marathon-after", "2023-04-23 19:44", to=[NIKLAS, FREYA], subject="WE DID IT", lang="en",
      client="iphone", text="""
Hey you two,

what a day! 3:21:40 for the four of us, and nobody got lost at a change zone. My leg hurt from Eppendorfer Baum onwards but the crowd at Hoheluft carried me.

Pizza at Da Mario on Thursday after training? My treat for the bag-truck disaster I predicted and that never happened.
"""),
    M("23-tom-fwd-pure", "2023-05-02 08:55", acct="office", client="outlook", to=TOM,
      subject="WG: Tree survey Elbpark poplars", lang="en", fwd=Q(MALTE, "2023-04-28 17:20", """
Hi Jen,

here's the tree survey for the poplars at the north edge. Result: four of the six trees are healthy, two have stem rot and have to come down within the next two years. Details from page 6.

Malte
""", subject="Tree survey Elbpark poplars")),
    M("23-marta-gracias", "2023-05-24 21:20", to=MARTA, subject="Thank you for everything!", lang="en", text="""
Hi Marta!

We're back in Hamburg, with rain, of course. Thank you so much for those lovely days. I loved the Russafa courtyard: the idea of using the rainwater from the roof for the little pond is brilliant, and I'm going to steal it for a school project here in Altona (I'll tell you if it happens).

Max is still talking about your mother's paella.

I'll send you the photos of the Turia this week. Come to Hamburg in the autumn!

Hugs,
Jen
"""),
    M("23-lena-decision", "2023-04-28 10:05", acct="studio", client="apple", to=LENA,
      subject="Re: Decision roof garden", lang="en", post="bottom", quotes=[Q(LENA, "2023-04-27 18:40", """
Dear Ms Weber,

the board has decided on the more intensive option with raised beds. We want the tenants to really be able to use the roof. Please start the preliminary design, the written order will come from Ms Voss.

Best regards,
Lena Hoffmann
""")], text="""
Dear Dr. Hoffmann,

I'm really pleased — I think it's the right decision for the building.

I'll start next week and will get back to you by 12 May with a first proposal for a meeting with Mr Brandes and the property management.

Kind regards,
Jen Weber
"""),
]

EMAILS += [
    M("23-uni-title", "2023-05-08 09:40", acct="studio", client="apple", to=UNI, html="only",
      subject="Re: Guest lecture – title", lang="en", quotes=[Q(UNI, "2023-05-05 14:02", """
Dear Ms Weber,

yes, a title and three or four sentences would be great, ideally by mid-May.

Kind regards,
Henrik Dahl
""")], text="""
Dear Professor Dahl,

here's my suggestion:

"Who plans the park? Participation at the Elbpark between sticky notes and cost limits"

Using the Elbpark in HafenCity as an example, I show how 85 neighbours, three workshops and a tight budget turn into a design — and where participation reaches its limits. With lots of pictures of the model and honest numbers.

Does that work? I can also shorten it.

Kind regards,
Jen Weber
"""),
    M("23-anna-orig-levels", "2023-05-11 14:37", acct="office", client="outlook_orig", to=ANNA,
      subject="AW: Levels promenade", lang="en", quotes=[Q(ANNA, "2023-05-11 13:55", """
Hi Jen,

the surveyors say the promenade is between 5.40 and 5.85 m above sea level, not 6.10 as assumed in the competition. Does that change anything for the ramp to the play pier?

Anna
""")], text="""
Hi Anna,

yes, quite a lot, unfortunately. At 5.40 the ramp to the play pier gets almost 4 metres longer if we want to stay at 6 %. So we either have to take it round the corner or lower the pier a little.

I'll do two sketches this afternoon and send them to you by 17:00. Could you ask the surveyors whether they have levels for the quay wall too?

Thanks and best,
Jen
"""),
    M("23-katrin-summer", "2023-06-02 21:05", to=KATRIN, subject="Summer holidays", lang="en", html="alt", text="""
Hey Kat,

Max and I have booked the cottage on Fanø for 29 July to 5 August — the one with the wonky sauna. There's a second bedroom and the owners said kids are more than welcome. Do you and Mia want to join us for at least a few days?

The ferry from Esbjerg takes twelve minutes, and Mia can have her first crab-fishing lesson with her favourite aunt. I'll even let her beat me at Uno.

Let me know by mid-June so I can tell the owners.

Love,
Jen
"""),
    M("23-lecture-thanks", "2023-06-08 10:12", acct="studio", client="apple", to=UNI,
      subject="Thank you for yesterday", lang="en", text="""
Dear Professor Dahl,

thank you for the invitation and for your students' good questions yesterday. I didn't expect the discussion about dog areas, but it was the liveliest part of the afternoon!

As promised, here's the link to the slides: https://cloud.weber-landscapes.example/s/elbpark-hcu-2023

I'll send the invoice for 250 euros separately to the dean's office. If any of the students is interested in an internship — we could use someone in the autumn.

Kind regards,
Jen Weber
"""),
    M("23-sven-visit", "2023-06-16 07:50", acct="studio", client="android", to=SVEN,
      subject="Re: Visit on Friday", lang="en", alang="de", quotes=[Q(SVEN, "2023-06-15 17:10", """
Hello, Friday 9:00 is fine. Come to the gate at section 4, I'll be in the yard. S. Albers
""")], text="""
Hi Mr Albers,

perfect, I'll be at the gate at section 4 at 9. I'm bringing my colleague Jonas, and we have coloured tape with us to mark the trees.

See you tomorrow,
Jen Weber
"""),
    M("23-jonas-rooftop-pdf", "2023-06-20 17:02", acct="studio", client="apple", to=JONAS,
      subject="Planting list Brooksfleet v2", lang="en", attach=[("Pflanzliste_Brooksfleet_v2.pdf", "pdf")],
      text=""),
    M("23-lena-plant-list", "2023-06-21 09:30", acct="studio", client="apple", to=LENA, cc=LENA_ASSIST,
      subject="Planting list and dates for the roof garden", lang="en", text="""
Dear Dr. Hoffmann,

after our visit to Baumschule Albers we picked out eight very fine serviceberries, all multi-stem with good root balls. You'll get the planting list with all the perennials and grasses by Friday.

For the next steps I suggest these dates:
– 4 July, 10:00: structural meeting with Mr Brandes, on site
– 18 July: presentation of the preliminary design at your office
– end of August: building application, if we need one for the pergola

I'm still unsure about the pergola. If it stays under 30 m², it probably doesn't need a permit; I'll check with the building authority.

Kind regards,
Jen Weber
"""),
    M("23-anna-html-only-pier", "2023-06-27 16:45", acct="office", client="outlook", html="only", to=ANNA,
      cc=TOM, subject="AW: Play pier – timber offer", lang="en", quotes=[Q(ANNA, "2023-06-27 15:10", """
Hi Jen,

the timber offer for the play pier came in: 712,000 euros, so 62k over the budget line. They suggest oak instead of robinia to save money, but then we lose the 25-year guarantee.

What do you think?
Anna
""")], text="""
Hi Anna,

thanks for chasing this. I'd rather not switch to oak — the guarantee matters more than the 62k, because the Bezirk will have to maintain the pier long after we're gone.

Let's look for the money elsewhere first: the second climbing net and the shade sails could move to phase 2. That should be around 55k together. I'll go through the list with Tom tomorrow morning and send you a proposal by lunch.

Best,
Jen
"""),
    M("23-mama-iso-geburtstag", "2023-07-03 19:25", to=MAMA, subject="Re: Papas Geburtstag", lang="de",
      charset="iso-8859-1", cte="8bit", client="thunderbird", quotes=[Q(MAMA, "2023-07-03 11:04", """
Liebe Jen,

Papa wird ja am 19. August 69, und er wünscht sich dieses Jahr nichts, sagt er. Hast du eine Idee? Ich dachte an einen Ausflug.

Kuss, Mama
""")], text="""
Liebe Mama,

wie wäre es mit einem Tag im Rosarium in Uetersen und danach Kaffee und Kuchen an der Elbe in Haseldorf? Papa redet seit Jahren davon, dass er die alten Rosensorten dort sehen will.

Ich kann das Auto von Max nehmen und euch um 10 Uhr in Lüneburg abholen. Katrin kommt vielleicht auch, sie fragt gerade im Büro.

Liebe Grüße,
Jen
"""),
    M("23-max-fwd-note", "2023-07-10 13:22", to=MAX, subject="Fwd: Booking confirmation Fanø", lang="en",
      fwd=Q(P("Fanø Feriehuse", "booking@fanoe-feriehuse.example"), "2023-06-03 10:01", """
Dear Jennifer Weber,

thank you for your booking. Sønderho, Strandvejen 12, from Saturday 29 July 2023 (check-in 15:00) to Saturday 5 August 2023 (check-out 10:00). 4 persons. Final payment of 1,480 EUR is due on 15 July.

Kind regards,
Fanø Feriehuse
""", subject="Booking confirmation 2023-7781", to=JEN_MAIN), text="""
Hey you,

here's the Fanø booking again. The final payment of 1,480 euros is due on 15 July — will you transfer it, or shall I? Then we'll settle up with Katrin afterwards.

Love,
Jen
"""),
    M("23-elodie-result", "2023-07-12 08:30", acct="studio", client="apple", to=ELODIE,
      subject="Re: Results Rives de Saône", lang="en", quotes=[Q(ELODIE, "2023-07-11 19:22", """
Dear Jen,

Bad news: we came second. The jury preferred the Paris office's scheme, "more realistic in terms of maintenance", they say. Pierre is very disappointed. So am I, a little.

Love,
Élodie
""")], text="""
Dear Élodie,

what a shame! Second out of 46 is still a really good result, and I'm proud of what we did together.

"More realistic in terms of maintenance" — I know that sentence, we heard it in Hamburg too. Next time we'll put a real maintenance plan into the submission, with numbers.

Tell Pierre that board 2 was the most beautiful one in the whole competition. Let's go again whenever you like.

Love,
Jen
"""),
    M("23-katrin-received", "2023-07-14 12:02", sender=KATRIN, to=JEN_MAIN, subject="Fanø!!", lang="en",
      client="iphone", text="""
We're coming!! 1 to 5 August, Mia already packed her bucket. Can we bring the dog? She's small and she hates sand anyway.
"""),
    M("23-tom-thunderbird-handover", "2023-07-25 17:55", acct="office", client="owa", to=TOM, cc=ANNA,
      subject="Handover during my holiday", lang="en", text="""
Hi Tom,

from Friday I'm away for two weeks, up to and including 11 August. So that nothing gets stuck, here are the open Elbpark points:

1. Timber work play pier: moving the climbing net and the shade sails to phase 2 is agreed with Malte, the minutes are in the project folder. Please pass this on to the timber contractor.
2. Quay wall survey: the data should arrive by 4 August. If not, please chase Mr Kuhlmann, tel. 040 428 40 2216.
3. Participation report: Anna is doing the final proofread, it goes to the Bezirk on 9 August.

In an emergency you can reach me by text, but really only if something is on fire.

Thanks, and see you soon,
Jen
"""),
    M("23-fanoe-postcard", "2023-08-02 20:10", to=[MAMA, PAPA], subject="Greetings from Fanø", lang="en",
      client="iphone", html="only", text="""
Dear Mum, dear Papa,

greetings from Sønderho! The weather is wild, but we've been on the beach every day. Yesterday Mia caught eleven crabs and let them all go again, with names.

Katrin and I cycled to Nordby this morning, 14 km against the wind. Tomorrow Max wants to fly his kite.

Talk soon, we'll call on Sunday!
Jen
"""),
    M("23-lena-statik-meeting", "2023-08-15 11:20", acct="studio", client="apple", to=LENA, cc=LENA_ASSIST,
      subject="Re: Meeting structure and waterproofing", lang="en", quotes=[Q(LENA_ASSIST, "2023-08-14 16:02", """
Dear Ms Weber,

Dr. Hoffmann asks whether the meeting with the structural engineer and the roofer on 22 August at 9:00 works for you. We would meet in the foyer, Brooksfleet 3.

Kind regards,
Sabine Voss
"""), Q(JEN_STUDIO, "2023-08-14 09:15", """
Dear Dr. Hoffmann,

back from holiday: could we have the meeting with Mr Brandes and the roofer in the second half of August? I'm flexible.

Kind regards,
Jen Weber
""", to=LENA)], text="""
Dear Ms Voss,

22 August at 9:00 works well for me, thank you. I'll let Mr Brandes know.

One request: could the caretaker unlock the roof hatch beforehand? Last time we waited twenty minutes for the key.

Best regards,
Jen Weber
"""),
    M("23-freya-training", "2023-09-05 07:12", to=FREYA, subject="Re: Autumn plan", lang="en",
      quotes=[Q(FREYA, "2023-09-04 22:40", """
Jen! I signed us both up for the Airport Race on 15 October. 10 km, no excuses. Training plan attached, don't hate me.

F
""")], text="""
Freya, you menace.

Fine — 10 km is doable, and I'd like to get under 52 minutes this time. But I'm not doing intervals on Sunday mornings. Tuesdays with the club plus one long slow run on Thursday evening, that's my offer.

See you tonight at the Krugkoppelbrücke,
Jen
"""),
    M("23-anna-bottom-report", "2023-09-11 10:05", acct="office", client="thunderbird", to=ANNA,
      subject="Re: Participation report – feedback from the Bezirk", lang="en", post="bottom",
      quotes=[Q(ANNA, "2023-09-11 09:21", """
Jen, the Bezirk is happy with the participation report, only two comments: they want the
numbers of participants per workshop in a table, and the photo credits on page 14.
Deadline for the final version is 20 September.

Anna
""")], text="""
Great news, thanks Anna!

I'll do the table tonight, the numbers are in my notebook (85, 41 and 63 people). Tom took the photos on page 14, so the credit is easy.

Shall we send it on the 15th and be done with it?

Jen
"""),
    M("23-hv-balkon", "2023-09-19 08:40", to=VERMIETER, subject="Water damage below balcony, Kleine Rainstraße 12",
      lang="en", text="""
Dear Sir or Madam,

since the heavy rain at the weekend, water has been dripping from the ceiling of our flat (Kleine Rainstraße 12, 3rd floor left, Weber/Brandt), right under the balcony of the flat above. The patch is about 40 × 40 cm and the plaster is coming off.

I've attached photos. Please send a tradesperson as soon as possible. We're home on weekdays from 17:00; if need be, the Özdemir family on the ground floor has a key.

Kind regards,
Jen Weber
Tel. 0170 5523918
""", attach=[("balkon_decke.png", "png")]),
    M("23-galabau-tender", "2023-10-04 15:12", acct="office", client="outlook", to=GALABAU, cc=TOM,
      subject="Elbpark – tender clarification meeting", lang="en", sig="office_legal", text="""
Dear Mr Rademacher,

thank you for your offer for lot 2 (planting and vegetation works) at the Elbpark. We'd like to have a clarification meeting with you before the contract is awarded.

Proposal: Tuesday 10 October, 10:00, HafenCity Planungsbüro, Am Sandtorkai 41, room 2.14.

The main topics would be the establishment maintenance (three years instead of two?) and where you're sourcing the 48 standard trees. If possible, please bring references for planting in harbour locations.

Kind regards,
Jen Weber
"""),
    M("23-rooftop-planting", "2023-10-20 18:30", acct="studio", client="iphone", to=LENA,
      subject="The serviceberries are up!", lang="en", text="""
Dear Dr. Hoffmann,

a quick note from the site: all eight serviceberries went up onto the roof by crane today and are already in their planting pits. It rained, which was ideal for the trees and less so for us.

I'll send you photos tomorrow from my computer.

Kind regards,
Jen Weber
"""),
    M("23-katrin-xmas", "2023-11-28 21:48", to=KATRIN, subject="Re: Weihnachten", lang="de",
      client="gmail", alang="de", quotes=[Q(KATRIN, "2023-11-28 20:15", """
Jenny, machen wir dieses Jahr wieder Wichteln statt alle für alle? Mama fragt. Und wer bringt die Gans?
"""), Q(JEN_MAIN, "2023-11-27 08:10", """
Weihnachten bei Mama und Papa wie immer? Max und ich kommen am 23. abends.
""", to=KATRIN)], text="""
Hey Kat,

ja bitte Wichteln, letztes Jahr war das Geschenkpapier-Gebirge absurd. 25 Euro Obergrenze? Ich mache die Auslosung mit so einer Website und schicke jeder Person ihren Namen.

Die Gans holt Max beim Hof Eggers in Kirchwerder, ist schon bestellt. Du bist für den Rotkohl zuständig, so wie immer.

Liebe Grüße,
Jen
"""),
    M("23-anna-christmas", "2023-12-20 16:30", acct="office", client="outlook_mobile", to=[ANNA, TOM, MALTE],
      subject="Merry Christmas!", lang="en", text="""
Hi all,

I'm leaving a bit early today, so: thank you for this year. Shortlist in January, the workshops, the pier drama, the contract in October — we did a lot with three and a half people.

Enjoy the break, eat too much, and don't open Outlook until the 8th.

Jen
"""),
]

EMAILS += [
    M("23-lotte-books", "2023-01-29 16:20", to=LOTTE, subject="Re: Book club February", lang="en",
      quotes=[Q(LOTTE, "2023-01-29 11:02", """
Hi Jen, it's your turn to pick the book for February! Nothing over 400 pages please, some of us have jobs. L.
""")], text="""
Hi Lotte,

how about "The Overstory" — no wait, that's 500 pages and you'd all hate me. Let's do "Braiding Sweetgrass" instead, or at least the first half, about 200 pages. It's about plants and reciprocity and it made me cry on the S-Bahn.

Meeting at mine on Thursday 23 February, 19:30? I'll make soup.

Cheers,
Jen
"""),
    M("23-malte-fee", "2023-02-15 10:02", acct="office", client="outlook", to=MALTE,
      subject="AW: Fee Elbpark phase 2", lang="en", quotes=[Q(MALTE, "2023-02-14 18:10", """
Jen, could you send me your effort estimate for phase 2 by tomorrow? Birgit needs it for the contract. Malte
""")], text="""
Hi Malte,

as discussed yesterday, here's my estimate of the effort for the next Elbpark phase, so that Birgit can prepare the contract:

Design development until June: approx. 320 hours
Participation (three workshops including preparation and report): approx. 110 hours
Coordination with the Bezirk and the authorities: approx. 60 hours

At my hourly rate of 95 euros that comes to around 46,500 euros net. If that's above the budget, we can save on participation by having Anna write the reports while I only run the workshops.

Best,
Jen
"""),
    M("23-katrin-apple-de", "2023-02-26 11:15", to=KATRIN, subject="Re: Mia's garden", lang="en", client="apple",
      quotes=[Q(KATRIN, "2023-02-25 19:30", """
The cress is up already!!! Mia ate it for breakfast today and then cried because now it's gone.
""")], text="""
Oh no, poor Mia! Please tell her that's exactly the trick with cress: you eat it and sow it again, and a week later it's back. That's not a loss, that's a harvest.

The radishes take a bit longer, about four weeks. And the nasturtiums shouldn't go out on the balcony before May, or they'll freeze.

Love to you both,
Jen
"""),
    M("23-lena-owa-pergola", "2023-07-24 10:50", acct="studio", client="thunderbird", to=LENA,
      subject="Pergola – feedback from the building authority", lang="en", text="""
Dear Dr. Hoffmann,

good news from the Hamburg-Mitte building authority: at 28 m², the pergola doesn't need a permit, so no building application. The distance rules aren't an issue either, because it stands against the fire wall.

That saves us about two months. So I'd suggest building the pergola together with the roof build-up in October and planting the wisteria in spring.

I'm on holiday from Friday and back on 14 August.

Kind regards,
Jen Weber
"""),
    M("23-freya-airport", "2023-10-15 14:30", to=FREYA, subject="51:48!!!", lang="en", client="iphone", text="""
Freya!! 51:48! Under 52! I couldn't have done it without you yelling at me at km 8. I'm sorry I swore at you, I didn't mean any of it.

Brunch is on me next Sunday.
"""),
    M("23-tom-galabau-vergabe", "2023-10-11 09:20", acct="office", client="outlook", to=TOM, cc=MALTE,
      subject="Award of lot 2 – recommendation", lang="en", text="""
Hi Tom, hi Malte,

after yesterday's meeting with Mr Rademacher, I recommend awarding lot 2 to Rademacher GaLaBau. He's 3 % more expensive than the cheapest offer, but:

- He offers three years of establishment maintenance instead of two, at no extra cost.
- He has references on the water (Hafenpark Harburg, Kirchdorfer Wiesen), which I've been to see.
- The standard trees come from Baumschule Albers, whom I know well.

The cheapest bidder had no answer to my questions about irrigation. With 48 trees on the harbour, that's too risky for me.

I'll write the award memo by Friday.

Best,
Jen
"""),
    M("23-elodie-office-fr", "2023-11-07 12:05", acct="office", client="outlook", alang="fr", to=ELODIE,
      subject="RE : Visite de la HafenCity", lang="fr", quotes=[Q(ELODIE, "2023-11-06 18:20", """
Jen,

Une délégation de la Métropole de Lyon vient à Hambourg en janvier pour voir la HafenCity. Est-ce que ton bureau pourrait leur faire une visite de deux heures ? Ils sont une douzaine.

Bises,
Élodie
""")], text="""
Chère Élodie,

Avec plaisir ! Je demande à Malte, mais je suis sûre qu'il dira oui – il adore montrer la HafenCity.

Je propose de commencer au pavillon d'information dans le Kesselhaus, puis de marcher jusqu'au chantier de l'Elbpark. Deux heures, c'est parfait. Quelles dates les intéressent ? Évitez la semaine du 22 janvier, je serai en jury.

Bises,
Jen
"""),
    M("23-max-gans", "2023-12-14 12:10", to=MAX, subject="The goose", lang="en", client="gmail", text="""
Hey,

Hof Eggers just called: the goose is ready and can be picked up from the 21st, 5.2 kg, 98 euros. Opening hours 9:00–18:00, Kirchwerder Hausdeich 211.

Could you drive out on the morning of the 22nd? I have the last site meeting before Christmas until 14:00.

Love,
Jen
"""),
    M("23-sven-order", "2023-09-26 08:55", acct="studio", client="thunderbird", to=SVEN, subject="Order: serviceberries",
      lang="en", text="""
Hi Mr Albers,

now it's getting serious: please deliver the eight reserved serviceberries (Amelanchier lamarckii, multi-stem, 200-250, root-balled) on Friday 20 October at 7:00 to Brooksfleet 3, 20457 Hamburg.

The crane will be there from 6:30, and the trees go straight from the lorry onto the roof. The contact on site is Mr Rademacher, tel. 0171 4482 907.

Please send the invoice to Weber Landscapes, Große Elbstraße 145, 22767 Hamburg.

Best wishes,
Jen Weber
"""),
    M("23-mama-advent", "2023-12-03 17:40", to=MAMA, subject="Re: Advent wreath", lang="en", client="iphone",
      quotes=[Q(MAMA, "2023-12-03 15:02", """
Dear Jen, your Advent wreath turned out beautifully, Papa took a photo for the choir straight away. Where did you get the pine cones? Mum
""")], text="""
Dear Mum,

the cones are from the Altonaer Volkspark, from our Sunday walk. The pine branches were a present from the Christmas tree sellers on Max-Brauer-Allee, they always cut the bottom ones off anyway.

So glad you like it!

Love,
Jen
"""),
]
