package segment_test

import (
	"fmt"

	"github.com/proactief/proactief/segment"
)

func ExampleModel_Next() {
	m := segment.New(segment.Options{})
	var answers []segment.Answer
	// A person who agrees with everything they are asked.
	for {
		d := m.Next(answers)
		if d.Done {
			seg, p := d.Posterior.Best()
			fmt.Printf("done after %d: %v (%.2f), %s\n", len(answers), seg, p, d.Reason)
			break
		}
		if len(answers) < 3 {
			s, _ := segment.Find(d.Next)
			fmt.Println(s.AskNL)
		}
		answers = append(answers, segment.Answer{ID: d.Next, Value: 5})
	}
	// Output:
	// Je weet niet waar je hulp kunt krijgen of waar je naartoe moet. Klopt dat voor jou?
	// Hoe belangrijk vind je het dat je betere hulp krijgt als je meer gegevens aan de overheid geeft?
	// Hoe belangrijk vind je het dat jouw gegevens veilig blijven bij de mensen die je helpen?
	// done after 5: Vertrouwende Volgers (0.87), stop: P(change)=0.029 < 0.075
}
